"""One bilingual-text rule (assessments.i18n.localised) for competencies, courses,
departments, ranks, positions, curricula and certificates."""

import pytest
from django.utils import translation

from assessments.i18n import localised
from learning.models import Certificate, Rank
from tests.factories import RankFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "zh", "en", "shown"),
    [
        ("zh-hans", "科员", "Staff", "科员"),
        ("zh-hans", "", "Staff", "Staff"),
        ("en", "科员", "Staff", "Staff"),
        ("en", "科员", "", "科员"),
    ],
)
def test_the_active_language_with_a_fallback(language, zh, en, shown):
    with translation.override(language):
        assert localised(zh, en) == shown


def test_without_an_active_language_the_site_default_decides(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override(None):  # deactivates translations
        assert localised("科员", "Staff") == "科员"


def test_organisation_names_follow_the_same_rule(county):
    rank = RankFactory(name="", name_en="Staff Member")
    rank = Rank.objects.get(pk=rank.pk)
    with translation.override("zh-hans"):
        # An English-only name used to show as an empty string in Chinese.
        assert str(rank) == "Staff Member"
    with translation.override("en"):
        assert county.bureau_a.display_name == county.bureau_a.name_en
    certificate = Certificate(course_title_zh="数据素养", course_title_en="")
    with translation.override("en"):
        assert certificate.course_title == "数据素养"
