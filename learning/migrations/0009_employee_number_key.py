"""Employee numbers that differ only in width or case are one person's: stored
numbers are normalised (NFKC, trimmed, as learning.organisation.rules.normalised does)
a unique constraint on Upper(employee_number) keeps a second spelling out, and a check
keeps full-width characters and surrounding space out of the column.

Existing rows first: each number is normalised, and the account that carried it as
its sign-in name is renamed with it when the new name is free. Where two people
already share a number in another spelling (the duplicate a roster created before
this rule), the older record keeps it and the newer one is renumbered
"<number>-DUP<id>", with its history and account untouched, and named on the
console, so that HR can merge or correct it; nothing is deleted."""

import sys
import unicodedata

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Upper

MAX_LENGTH = 32
BATCH = 2000


def _normalised(text):
    return unicodedata.normalize("NFKC", text).strip()


def normalise_numbers(apps, schema_editor):
    Profile = apps.get_model("learning", "LearnerProfile")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    rows = list(
        Profile.objects.order_by("pk").values_list(
            "pk", "employee_number", "user_id", "user__username"
        )
    )
    keys = set()
    profile_updates = []
    user_updates = []
    usernames = set(User.objects.values_list("username", flat=True))
    for pk, number, user_id, username in rows:
        clean = _normalised(number)
        clean = clean[:MAX_LENGTH]
        if clean.upper() in keys:
            suffix = f"-DUP{pk}"
            clean = clean[: MAX_LENGTH - len(suffix)] + suffix
            sys.stdout.write(
                f"\n  Person {pk}: employee number {number!r} is another person's "
                f"in a different width or case; renumbered {clean} (merge or "
                "correct it in People)."
            )
        keys.add(clean.upper())
        if clean == number:
            continue
        profile_updates.append(Profile(pk=pk, employee_number=clean))
        if username == number and clean not in usernames and "-DUP" not in clean:
            usernames.discard(username)
            usernames.add(clean)
            user_updates.append(User(pk=user_id, username=clean))
    # Renumbered rows may take a number another row gives up in the same pass: two
    # steps, through a temporary unique value, keep the unique column satisfied.
    for start in range(0, len(profile_updates), BATCH):
        batch = profile_updates[start : start + BATCH]
        Profile.objects.bulk_update(
            [Profile(pk=p.pk, employee_number=f"~{p.pk}") for p in batch],
            ["employee_number"],
        )
    Profile.objects.bulk_update(profile_updates, ["employee_number"], batch_size=BATCH)
    User.objects.bulk_update(user_updates, ["username"], batch_size=BATCH)
    if schema_editor.connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks of these updates now: PostgreSQL
        # refuses to build the constraints' index over a table with pending ones.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0008_rosterimport_claim"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(normalise_numbers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="learnerprofile",
            constraint=models.UniqueConstraint(
                Upper("employee_number"),
                name="learning_learnerprofile_number_key",
                violation_error_code="taken",
                violation_error_message=(
                    "Someone already has this employee number (written in another "
                    "width or case)."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="learnerprofile",
            constraint=models.CheckConstraint(
                condition=~models.Q(
                    employee_number__regex="[\uff01-\uff5e\u3000]|^\\s|\\s$"
                ),
                name="learning_learnerprofile_number_normalised",
                violation_error_message=(
                    "Write the employee number without full-width characters or "
                    "surrounding spaces."
                ),
            ),
        ),
    ]
