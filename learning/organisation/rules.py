"""The rules a person's record obeys, written once. The roster planner (200,000 rows
a run), the people services, the back-office form and its admin screens all call
these, so a value one of them refuses is refused by all with the same message.

Each `*_clean` function takes what a person typed (or a spreadsheet cell) and
returns the value to store, or raises ValidationError with a message saying what to
do. They run no query; the one rule that needs the database, "an account already
has this name", is `usernames_taken` (one query for a whole batch).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

EMPLOYEE_NUMBER_MAX = 32
FULL_NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32
# Hire dates before this or more than a year ahead are typing errors.
HIRE_DATE_EARLIEST = datetime.date(1950, 1, 1)
HIRE_DATE_AHEAD = datetime.timedelta(days=366)

# The employee number is also the sign-in name, so it obeys the account name's
# shape (letters, digits and . @ + - _).
_EMPLOYEE_NUMBER_RE = re.compile(r"^[\w.@+-]+\Z")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,30}\Z")

# A ValidationError's code, so that callers can tell the rules apart.
REQUIRED = "required"
TOO_LONG = "too_long"
INVALID = "invalid"
TAKEN = "taken"


def normalised(text: object) -> str:
    """NFKC and stripped: full-width digits and letters (Ｅ１００) become ASCII
    (E100), as Chinese input methods and spreadsheets often type them."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(
            _("Shorten it to %(max)s characters.") % {"max": limit}, code=TOO_LONG
        )


def employee_number_clean(value: object) -> str:
    """The employee number as stored (and used as the account name): required, at
    most 32 characters, letters, digits and . @ + - _ only."""
    number = normalised(value)
    if not number:
        raise ValidationError(_("Give the number."), code=REQUIRED)
    _length(number, EMPLOYEE_NUMBER_MAX)
    if not _EMPLOYEE_NUMBER_RE.match(number):
        raise ValidationError(
            _(
                "%(value)s is not an employee number: use letters, digits and "
                ". @ + - _ only (it is also the sign-in name)."
            )
            % {"value": number},
            code=INVALID,
        )
    return number


def full_name_clean(value: object) -> str:
    """The person's name: required, at most 100 characters, inner runs of spaces
    kept as one."""
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError(_("Give the person's name."), code=REQUIRED)
    _length(name, FULL_NAME_MAX)
    return name


def email_clean(value: object) -> str:
    """An e-mail address or "" (optional)."""
    email = normalised(value)
    if not email:
        return ""
    _length(email, EMAIL_MAX)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("%(value)s is not an e-mail address.") % {"value": email}, code=INVALID
        ) from None
    return email


def phone_clean(value: object) -> str:
    """A phone number or "" (optional): digits, spaces, brackets, + and -."""
    phone = normalised(value)
    if not phone:
        return ""
    _length(phone, PHONE_MAX)
    if not _PHONE_RE.match(phone):
        raise ValidationError(
            _("%(value)s is not a phone number (digits, spaces, + and -).")
            % {"value": phone},
            code=INVALID,
        )
    return phone


def hire_date_check(value: datetime.date | None) -> datetime.date | None:
    """A hire date from 1950 to a year from today, or None (optional)."""
    if value is None:
        return None
    latest = timezone.localdate() + HIRE_DATE_AHEAD
    if not HIRE_DATE_EARLIEST <= value <= latest:
        raise ValidationError(
            _(
                "%(value)s is not a plausible hire date: give a date between "
                "%(earliest)s and %(latest)s."
            )
            % {
                "value": value.isoformat(),
                "earliest": HIRE_DATE_EARLIEST.isoformat(),
                "latest": latest.isoformat(),
            },
            code=INVALID,
        )
    return value


_FIELD_RULES: dict[str, Callable[[Any], Any]] = {
    "employee_number": employee_number_clean,
    "full_name": full_name_clean,
    "email": email_clean,
    "phone": phone_clean,
    "hire_date": hire_date_check,
}


def person_values_clean(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with each person field that has a rule checked and normalised;
    ValidationError naming every field that breaks its rule."""
    cleaned = dict(values)
    errors: dict[str, list[ValidationError]] = {}
    for name, check in _FIELD_RULES.items():
        if name in cleaned:
            try:
                cleaned[name] = check(cleaned[name])
            except ValidationError as error:
                errors[name] = [error]
    if errors:
        raise ValidationError(errors)
    return cleaned


def account_clash_error(number: str) -> ValidationError:
    """The answer when a new person's employee number is already an account's name
    (an account nobody's record links to it, or someone else's)."""
    return ValidationError(
        _(
            "An account named %(value)s already exists and is not this person's; "
            "ask a site admin to rename or link it."
        )
        % {"value": number},
        code=TAKEN,
    )


def usernames_taken(
    names: Iterable[str], *, except_user_id: int | None = None, batch: int = 2000
) -> set[str]:
    """Which of `names` are already account names (one query per `batch` names),
    leaving out the account `except_user_id` (the person's own)."""
    user_model = get_user_model()
    names = list(names)
    taken: set[str] = set()
    for start in range(0, len(names), batch):
        accounts = user_model.objects.filter(username__in=names[start : start + batch])
        if except_user_id is not None:
            accounts = accounts.exclude(pk=except_user_id)
        taken.update(accounts.values_list("username", flat=True))
    return taken
