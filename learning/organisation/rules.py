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
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
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
    (E100), as Chinese input methods and spreadsheets often type them; the
    ideographic space (U+3000) becomes a plain one."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def employee_number_key(value: object) -> str:
    """The form in which two employee numbers are compared: `normalised` and upper
    case, so that "qx００２５３" and "QX00253" are the same person. Stored numbers are
    already normalised (employee_number_clean and migration 0009), so the database
    compares Upper(employee_number) (`employee_number_key_expression`) and agrees."""
    return normalised(value).upper()


def employee_number_key_expression(field: str = "employee_number") -> Upper:
    """`employee_number_key` in SQL, over a stored (normalised) number; the unique
    constraint on LearnerProfile is on this expression."""
    return Upper(field)


# What a stored number never holds: full-width letters, digits and signs, the
# ideographic space, or space at either end (`normalised` removes them all). A
# check constraint holds the database to it, so that Upper(employee_number) is
# `employee_number_key` for every row, however it was written.
NOT_NORMALISED_PATTERN = "[\uff01-\uff5e\u3000]|^\\s|\\s$"


def employee_number_normalised_check(field: str = "employee_number") -> Q:
    """The condition every stored number meets (see NOT_NORMALISED_PATTERN)."""
    return ~Q(**{f"{field}__regex": NOT_NORMALISED_PATTERN})


def with_employee_numbers(
    queryset: QuerySet, numbers: Iterable[str], *, field: str = "employee_number"
) -> QuerySet:
    """`queryset` (of profiles, or of rows that reach a profile's number through
    `field`) narrowed to those whose number is one of `numbers` as
    `employee_number_key` compares them. Lazy: runs no query itself."""
    keys = sorted({employee_number_key(number) for number in numbers})
    return queryset.alias(_number_key=employee_number_key_expression(field)).filter(
        _number_key__in=keys
    )


def _length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(
            _("Shorten it to %(max)s characters.") % {"max": limit}, code=TOO_LONG
        )


def employee_number_clean(value: object) -> str:
    """The employee number as stored (and used as the account name): `normalised`
    (full-width to ASCII, trimmed; letters keep the case they were written in, but
    `employee_number_key` compares them without case), required, at most 32
    characters, letters, digits and . @ + - _ only."""
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


# Spaces that rosters put inside Chinese names to align them ("李　忠", "欧阳 娜",
# "买买提 · 艾力"): white space between two Han characters or a Han character and
# a name's middle dot. Latin-script names keep theirs ("Zhang Wei").
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME_DOT = "\u00b7\u2022\u30fb"
_ALIGNING_SPACE = re.compile(
    f"(?<=[{_HAN}{_NAME_DOT}])\\s+(?=[{_HAN}])|(?<=[{_HAN}])\\s+(?=[{_NAME_DOT}])"
)


def full_name_clean(value: object) -> str:
    """The person's name: NFKC (full-width letters to ASCII, the ideographic space
    to a plain one), required, at most 100 characters, inner runs of spaces kept as
    one, and no spaces between the characters of a Chinese name ("李　忠" is
    李忠)."""
    name = " ".join(normalised(value).split())
    name = _ALIGNING_SPACE.sub("", name)
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


def employee_number_taken_error(number: str) -> ValidationError:
    """The answer when another person has `number` (in any width or case)."""
    return ValidationError(
        _("%(value)s is already someone else's employee number.") % {"value": number},
        code=TAKEN,
    )


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


def sign_in_name(typed: str) -> str:
    """The account name a person means when they type `typed` at sign-in: the
    account of that exact name if there is one (admin, hr…), else the account of
    the person whose employee number it is as `employee_number_key` compares them
    ("ｑｘ００２５３" signs in as QX00253), else `typed` normalised (which then fails
    like any unknown name)."""
    accounts = get_user_model().objects.all()
    if accounts.filter(username=typed).exists():
        return typed
    username = (
        with_employee_numbers(
            accounts, [typed], field="learner_profile__employee_number"
        )
        .values_list("username", flat=True)
        .first()
    )
    return username or normalised(typed)
