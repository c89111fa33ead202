"""First sign-in codes: HR issues them, a person redeems one with the employee
number to set a password.

A code is 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about
50 bits, shown as ABCDE-FGHJK. Only an HMAC of (person, code) keyed by SECRET_KEY is
stored, so the table alone reveals nothing. A code is single use, expires after
SIGNIN_CODE_DAYS, and dies when a newer one is issued or the person leaves. Who may
issue codes for whom is the access policy's `managed_profiles` (HR's subtree).
"""

from __future__ import annotations

import datetime
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import SigninCode
from audit.context import request_address
from audit.limits import SIGNIN_CODE_ATTEMPTS, limit_count, limit_reached
from learning import policy
from learning.organisation import rules
from learning.organisation.models import Department, LearnerProfile
from learning.organisation.selectors import department_paths

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_HASH_SALT = "accounts.SigninCode"

# ValidationError codes, so that callers and tests can tell the refusals apart.
WRONG = "wrong"
EXPIRED = "expired"
USED = "used"
REPLACED = "replaced"
CLOSED = "closed"
THROTTLED = "throttled"
LOCKED = "locked"


@dataclass(frozen=True)
class IssuedCode:
    """A code as handed to the person: the one moment it exists in clear."""

    full_name: str
    employee_number: str
    department: str
    department_code: str
    code: str
    # The department's place in the tree, so that sheets list units in tree order.
    department_order: str
    expires_at: datetime.datetime


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_display(code: str) -> str:
    """ABCDEFGHJK as ABCDE-FGHJK, easier to read out and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def code_normalise(text: object) -> str:
    """What a person typed, as stored: full-width letters and digits folded (NFKC),
    upper case, spaces and dashes dropped."""
    folded = unicodedata.normalize("NFKC", str(text or "")).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def code_hash(*, user_id: int, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{user_id}:{code}", algorithm="sha256").hexdigest()


# Who is not activated yet ------------------------------------------------------------


def not_activated_q(prefix: str = "") -> Q:
    """People who never set a password nor signed in."""
    return Q(**{f"{prefix}password__startswith": UNUSABLE_PASSWORD_PREFIX}) & Q(
        **{f"{prefix}last_login__isnull": True}
    )


def code_candidates(
    *,
    actor: Any | None,
    department: Department | None = None,
    not_activated_only: bool = False,
) -> QuerySet[LearnerProfile]:
    """Active people the actor manages (everyone for the system, actor None), in
    `department`'s subtree when given, only those not yet activated when asked, in
    department then employee-number order."""
    if actor is None:
        people = LearnerProfile.objects.all()
    else:
        people = policy.managed_profiles(actor)
    people = people.filter(is_active=True, user__is_active=True)
    if department is not None:
        people = people.filter(Department.subtree_q([department], "department__"))
    if not_activated_only:
        people = people.filter(not_activated_q("user__"))
    # A code is a new password: never for an account that holds powers the actor
    # does not hold over it (a county HR officer whose record sits in a bureau).
    above = policy.accounts_above(actor, people.values_list("user_id", flat=True))
    if above:
        people = people.exclude(user_id__in=above)
    return people.select_related("user", "department").order_by(
        "department__path", "employee_number"
    )


# Issuing -----------------------------------------------------------------------------


@transaction.atomic
def signin_codes_issue(
    *,
    actor: Any | None,
    profiles: Iterable[LearnerProfile],
) -> list[IssuedCode]:
    """New codes for `profiles` (each an active person the actor manages), ending
    any code each had before (for someone who has a password, the code is a reset:
    the password works until the code is used). Returns the codes in clear, in
    the order given: the only time they exist outside the person's hands."""
    profiles = list(profiles)
    for profile in profiles:
        policy.require_person_manager(actor, profile)
        if not profile.is_active or not profile.user.is_active:
            raise ValidationError(
                _(
                    "%(name)s (%(number)s) has left: reactivate the person before "
                    "issuing a sign-in code."
                )
                % {"name": profile.full_name, "number": profile.employee_number},
                code=CLOSED,
            )
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.SIGNIN_CODE_DAYS)
    user_ids = [profile.user_id for profile in profiles]
    # A code is a new password: none for an account above the actor (one check for
    # the whole batch; the message names the first such person's powers).
    above = policy.accounts_above(actor, user_ids)
    if above:
        first = next(profile for profile in profiles if profile.user_id in above)
        policy.require_account_changer(actor, first.user)
    SigninCode.objects.filter(
        user_id__in=user_ids, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    links_end(user_ids)
    paths = department_paths(profile.department for profile in profiles)
    issued: list[IssuedCode] = []
    rows: list[SigninCode] = []
    for profile in profiles:
        code = code_generate()
        rows.append(
            SigninCode(
                user_id=profile.user_id,
                code_hash=code_hash(user_id=profile.user_id, code=code),
                purpose=(
                    SigninCode.Purpose.RESET
                    if profile.user.has_usable_password()
                    else SigninCode.Purpose.ACTIVATION
                ),
                issued_by=actor if getattr(actor, "pk", None) else None,
                created_at=now,
                expires_at=expires_at,
            )
        )
        issued.append(
            IssuedCode(
                full_name=profile.full_name,
                employee_number=profile.employee_number,
                department=paths[profile.department.path],
                department_code=profile.department.code,
                code=code_display(code),
                department_order=profile.department.path,
                expires_at=expires_at,
            )
        )
    SigninCode.objects.bulk_create(rows, batch_size=1000)
    return issued


def links_end(user_ids: Iterable[int]) -> int:
    """End e-mailed activation links of people who have not set a password: a
    link's token is made from the password hash, so a fresh unusable one voids it."""
    return (
        get_user_model()
        .objects.filter(
            pk__in=list(user_ids), password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
        .update(password=make_password(None))
    )


def signin_codes_revoke(*, user_id: int) -> int:
    """End the person's open codes (they left, or signed in another way)."""
    return signin_codes_revoke_many([user_id])


def signin_codes_revoke_many(user_ids: Iterable[int]) -> int:
    """End the open codes of these people."""
    return SigninCode.objects.filter(
        user_id__in=list(user_ids), used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


# Redeeming ---------------------------------------------------------------------------


def _attempt_subjects(number: str, request: Any) -> dict:
    # The address is found as the lock-out and the audit log find it
    # (REVERSE_PROXIES).
    address = request_address(request) if request is not None else None
    return {"user_key": number.lower(), "address": address}


def _throttled(number: str, request: Any) -> bool:
    limited = limit_reached(SIGNIN_CODE_ATTEMPTS, **_attempt_subjects(number, request))
    return limited is not None


def _attempt_count(number: str, request: Any) -> None:
    limit_count(SIGNIN_CODE_ATTEMPTS, **_attempt_subjects(number, request))


def _refuse(number: str, request: Any, message: str, code: str) -> ValidationError:
    """Count a failed attempt (the code limits and django-axes' lock-out)."""
    _attempt_count(number, request)
    user_login_failed.send(
        sender=__name__, credentials={"username": number}, request=request
    )
    return ValidationError(message, code=code)


def _wrong_message() -> str:
    return _(
        "The employee number or the code is wrong. Check both (the code has 10 "
        "letters and digits) or ask your HR officer for a new code."
    )


def _account_named(number: str) -> Any:
    """The account the employee number names: its account name, else its person's
    number; letters in either case (a phone capitalises nothing)."""
    accounts = get_user_model().objects.select_related("learner_profile")
    for lookup in (
        {"username": number},
        {"learner_profile__employee_number": number},
        {"username__iexact": number},
        {"learner_profile__employee_number__iexact": number},
    ):
        user = accounts.filter(**lookup).order_by("pk").first()
        if user is not None:
            return user
    return None


def signin_code_check(*, number: object, code: object, request: Any) -> SigninCode:
    """The open code that `number` and `code` name, or ValidationError saying why
    not (every refusal counts towards the limits and the lock-out). Nothing is
    changed: the code is used up by `signin_code_redeem`."""
    try:
        number = rules.employee_number_clean(number)
    except ValidationError:
        raise ValidationError(
            _("Give your employee number as printed on your code sheet."),
            code=WRONG,
        ) from None
    user = _account_named(number)
    # Counted under the account's name, as the password form counts its failures,
    # so that one lock-out covers both ways in.
    name = user.get_username() if user is not None else number
    if _throttled(name, request):
        raise ValidationError(
            _(
                "Too many attempts. Wait %(minutes)d minutes, then try again, or ask "
                "your HR officer for help."
            )
            % {"minutes": settings.SIGNIN_CODE_WINDOW_MINUTES},
            code=THROTTLED,
        )
    if request is not None and AxesProxyHandler.is_locked(request, {"username": name}):
        raise ValidationError(
            _(
                "Too many failed attempts: this sign-in is locked for a while. Wait "
                "about 15 minutes or ask your HR officer to unlock it."
            ),
            code=LOCKED,
        )
    typed = code_normalise(code)
    match = None
    if user is not None and len(typed) == CODE_LENGTH:
        expected = code_hash(user_id=user.pk, code=typed)
        for row in SigninCode.objects.filter(user_id=user.pk).order_by("-created_at"):
            if constant_time_compare(row.code_hash, expected):
                match = row
                break
    if match is None or user is None:
        raise _refuse(name, request, _wrong_message(), WRONG)
    profile = getattr(user, "learner_profile", None)
    if not user.is_active or (profile is not None and not profile.is_active):
        raise _refuse(
            name,
            request,
            _(
                "This account is closed (the person has left), so the code no "
                "longer works. If you work here again, ask your HR officer."
            ),
            CLOSED,
        )
    if match.used_at is not None:
        raise _refuse(
            name,
            request,
            _(
                "This code has already been used. Sign in with your password, or "
                "ask your HR officer for a new code if you have forgotten it."
            ),
            USED,
        )
    if match.revoked_at is not None:
        raise _refuse(
            name,
            request,
            _(
                "This code was replaced by a newer one. Use the newest code you "
                "were given, or ask your HR officer for a new one."
            ),
            REPLACED,
        )
    if match.expires_at <= timezone.now():
        raise _refuse(
            name,
            request,
            _("This code expired on %(date)s. Ask your HR officer for a new one.")
            % {
                "date": date_format(
                    timezone.localtime(match.expires_at), "DATETIME_FORMAT"
                )
            },
            EXPIRED,
        )
    return match


@transaction.atomic
def signin_code_redeem(*, code_id: int, password: str) -> Any:
    """Use up the code and give its person `password` (already validated by the
    form); the person's user. Refused if the code stopped being open meanwhile."""
    code = SigninCode.objects.select_for_update().select_related("user").get(pk=code_id)
    user = code.user
    if (
        code.used_at is not None
        or code.revoked_at is not None
        or code.expires_at <= timezone.now()
        or not user.is_active
    ):
        raise ValidationError(
            _("This code is no longer valid. Ask your HR officer for a new one."),
            code=EXPIRED,
        )
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
