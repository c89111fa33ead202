"""The password rules (what a level-3 MLPS 2.0 review asks), as Django password
validators so that every form that sets a password (sign-in code, reset link, change
in the site or the back office, `changepassword`) applies all of them:

- at least PASSWORD_MIN_LENGTH characters (10);
- at least three of the four classes: lower case, upper case, digits, other signs;
- not containing the account name, the employee number, the e-mail's name or the
  person's name, in Chinese characters or in pinyin (read with anyascii, which
  Wagtail already brings; tones and spaces do not matter);
- not a common password (Django's list of 20,000) and not easy to guess (zxcvbn's
  score at least PASSWORD_MIN_STRENGTH, with the person's own words as hints);
- not the current password nor one of the last PASSWORD_HISTORY_COUNT.

Messages are translated (Chinese by default) and say what to do instead.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

from anyascii import anyascii
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from zxcvbn import zxcvbn

from accounts.models import PasswordHistory

# zxcvbn's cost grows with the length; nobody types more than this.
_GUESS_CHECK_MAX = 100
# Words shorter than this are too common inside passwords to refuse (a surname "Li").
_PERSONAL_MIN = 3


class LengthValidator:
    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "The password is too short: use at least %(min)d character.",
                    "The password is too short: use at least %(min)d characters.",
                    self.min_length,
                )
                % {"min": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min)d character.",
            "At least %(min)d characters.",
            self.min_length,
        ) % {"min": self.min_length}


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other signs the password has."""
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not c.isalnum() or not c.isascii() for c in password)
    return lower + upper + digit + other


class CharacterClassValidator:
    required = 3

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.required:
            raise ValidationError(
                _(
                    "Mix at least three of: lower-case letters, capital letters, "
                    "digits and other signs (such as - _ ! #)."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "At least three of: lower-case letters, capital letters, digits, other "
            "signs."
        )


def _squeezed(text: str) -> str:
    """Lower case, letters and digits only: "Zhang Wei-1" and "zhangwei1" match."""
    return re.sub(r"[^0-9a-z]", "", anyascii(text).lower())


def personal_words(user: Any) -> list[str]:
    """What a password must not contain: the account name, employee number, the
    e-mail's name, and the person's name as written and in pinyin (whole, family
    name first or last, given name alone)."""
    if user is None:
        return []
    words: list[str] = [user.get_username() or ""]
    email = getattr(user, "email", "") or ""
    words.append(email.split("@")[0])
    names = [getattr(user, "first_name", "") or "", getattr(user, "last_name", "")]
    profile = _profile(user)
    if profile is not None:
        words.append(profile.employee_number)
        names.append(profile.full_name)
    for name in filter(None, names):
        words.append(name)
        syllables = anyascii(name).split()
        if len(syllables) == 1:
            # anyascii writes each character's syllable capitalised: ZhangWei.
            syllables = re.findall(r"[A-Z][a-z]*|[a-z]+", syllables[0]) or syllables
        if len(syllables) >= 2:
            family, given = syllables[0], "".join(syllables[1:])
            words += [given, given + family, family + given]
    return [w for w in dict.fromkeys(words) if len(w) >= 2]


def _profile(user: Any) -> Any:
    try:
        return user.learner_profile
    except Exception:  # no profile (site admin) or an unsaved user
        return None


class PersonalInformationValidator:
    def validate(self, password: str, user: Any = None) -> None:
        plain = password.lower()
        squeezed = _squeezed(password)
        for word in personal_words(user):
            own = _squeezed(word)
            if word.lower() in plain and len(word) >= 2 and not word.isascii():
                break  # the name in Chinese characters
            if len(own) >= _PERSONAL_MIN and own in squeezed:
                break
        else:
            return
        raise ValidationError(
            _(
                "The password contains your name, account name, employee number or "
                "e-mail name (also in pinyin); choose words nobody can look up."
            ),
            code="password_personal",
        )

    def get_help_text(self) -> str:
        return _("Not your name (also in pinyin), account name or employee number.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, also with separators, case and
    trailing digits ignored ("Password-2024" is "password")."""

    def validate(self, password: str, user: Any = None) -> None:
        candidates = {
            password.lower().strip(),
            re.sub(r"[^a-z0-9]", "", password.lower()),
            re.sub(r"[^a-z]", "", password.lower()),
        }
        if candidates & self.passwords:
            raise ValidationError(
                _("This is one of the most common passwords; choose another."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Not a common password.")


class GuessabilityValidator:
    """zxcvbn's estimate of how many guesses an attacker needs, told the person's
    own words, so that keyboard runs, dates and l33t spellings are refused."""

    def __init__(self, min_score: int = 2) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        result = zxcvbn(password[:_GUESS_CHECK_MAX], user_inputs=personal_words(user))
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is easy to guess (a keyboard pattern, a date, a "
                    "repeated or well-known word). Add another uncommon word or make "
                    "it longer."
                ),
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return _("Not easy to guess: no keyboard patterns, dates or repeats.")


class HistoryValidator:
    """Not the current password nor one of the last `count` (PasswordHistory)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.count]
        )
        if user.has_usable_password():
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "You used this password before; choose one that differs from "
                    "your last %(count)d.",
                    "You used this password before; choose one that differs from "
                    "your last %(count)d.",
                    self.count,
                )
                % {"count": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk is not None:
            password_history_record(user=user, keep=self.count)

    def get_help_text(self) -> str:
        return ngettext(
            "Not one of your last %(count)d passwords.",
            "Not one of your last %(count)d passwords.",
            self.count,
        ) % {"count": self.count}


def password_history_record(*, user: Any, keep: int) -> PasswordHistory:
    """Remember the user's new password hash and forget all but the last `keep`."""
    entry = PasswordHistory.objects.create(user=user, password=user.password)
    stale = PasswordHistory.objects.filter(user_id=user.pk).order_by(
        "-created_at", "-pk"
    )[keep:]
    PasswordHistory.objects.filter(
        pk__in=list(stale.values_list("pk", flat=True))
    ).delete()
    return entry


# Maximum age -------------------------------------------------------------------------

# When the session's password stops being acceptable (epoch seconds, 0 for never):
# read from the history once per session, not on every request.
_EXPIRES_AT = "_accounts_password_expires_at"


def password_set_at(user: Any) -> datetime.datetime | None:
    """When the user last set a password (the history's newest, else the day the
    account was created); None for an account with no usable password."""
    if not user.has_usable_password():
        return None
    latest = (
        PasswordHistory.objects.filter(user_id=user.pk)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return latest or user.date_joined


def password_expired(user: Any, *, session: Any = None) -> bool:
    """True when PASSWORD_MAX_AGE_DAYS is set and the password is older."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    expires_at = session.get(_EXPIRES_AT) if session is not None else None
    if expires_at is None:
        set_at = password_set_at(user)
        expires_at = (
            0
            if set_at is None
            else (set_at + datetime.timedelta(days=days)).timestamp()
        )
        if session is not None:
            session[_EXPIRES_AT] = expires_at
    return bool(expires_at) and time.time() >= expires_at


def password_expiry_forget(session: Any) -> None:
    """After a password change: read the age again."""
    session.pop(_EXPIRES_AT, None)
