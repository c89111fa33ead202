"""Bilingual text, the one rule for every app: records keep a Chinese and an English
variant of their names and texts, and the page shows the one for the active language.

Kept in assessments, the lowest app, so that courses and learning share it.
"""

from django.conf import settings
from django.utils.translation import get_language


def localised(zh: str, en: str) -> str:
    """The Chinese text under a Chinese UI (zh, zh-hans, ...), the English text under
    any other language; each falls back to the other when it is empty, so a record
    filled in one language only still shows a name. Outside a request (no active
    language) the site's default language decides."""
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language.startswith("zh"):
        return zh or en
    return en or zh
