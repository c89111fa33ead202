"""Demo step for the site shell: the home page in both languages."""

from django.db import transaction
from wagtail.models import Locale

from .models import HomePage

EN_TITLE = "CivicSkills digital government learning"
EN_HEADLINE = "Build digital and e-government competence"
EN_INTRO = (
    "<p>A learning platform for county and township civil servants: courses, "
    "assessments, mandatory curricula and department competency dashboards.</p>"
)


@transaction.atomic
def seed_site() -> int:
    """Give the home page an English translation (once). Returns pages created."""
    home = HomePage.objects.filter(locale__language_code="zh-hans").first()
    english = Locale.objects.get(language_code="en")
    if home is None or home.get_translation_or_none(english) is not None:
        return 0
    translation = home.copy_for_translation(english)
    translation.title = EN_TITLE
    translation.headline = EN_HEADLINE
    translation.intro = EN_INTRO
    translation.save_revision().publish()
    return 1
