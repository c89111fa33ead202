"""Remove a person's authenticator and recovery codes (they lost the phone and the
codes); the next back-office visit enrols a new authenticator."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.otp import second_factors_remove


class Command(BaseCommand):
    help = "Remove a user's two-factor devices so that they enrol again."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username.strip()).first()
        if user is None:
            raise CommandError(f"No account is named {username!r}.")
        removed = second_factors_remove(user=user)
        self.stdout.write(
            f"Removed {removed} two-factor devices of {user.get_username()}; "
            "the next back-office visit sets up a new authenticator."
        )
