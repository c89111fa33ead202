"""The shipped frameworks: DigComp 2.2 and the CivicSkills e-government branch."""

import pytest

from assessments.models import Competency, Framework, ProficiencyScale, ScaleLevel
from assessments.services.frameworks import framework_load_defaults

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Framework.objects.count(),
        Competency.objects.count(),
        ProficiencyScale.objects.count(),
        ScaleLevel.objects.count(),
    )


def test_loading_the_defaults_twice_changes_nothing():
    framework_load_defaults()
    first = _counts()
    paths = dict(Competency.objects.values_list("code", "path"))

    framework_load_defaults()

    assert _counts() == first
    assert dict(Competency.objects.values_list("code", "path")) == paths
    assert first[0] == 2


def test_loading_again_restores_an_edited_name_in_place():
    framework_load_defaults()
    Competency.objects.filter(code="DC22-4.2").update(name="Edited")
    pk = Competency.objects.get(code="DC22-4.2").pk

    framework_load_defaults()

    restored = Competency.objects.get(code="DC22-4.2")
    assert restored.pk == pk
    assert restored.name == "Protecting personal data and privacy"


def test_digcomp_has_five_areas_twenty_one_competences_and_eight_levels():
    framework_load_defaults()
    digcomp = Framework.objects.get(code="DC22")
    nodes = Competency.objects.filter(framework=digcomp)

    areas = nodes.filter(depth=1)
    competences = nodes.filter(depth=2)

    assert list(areas.order_by("path").values_list("code", flat=True)) == [
        "DC22-1",
        "DC22-2",
        "DC22-3",
        "DC22-4",
        "DC22-5",
    ]
    assert competences.count() == 21
    assert all(
        code.startswith("DC22-") for code in nodes.values_list("code", flat=True)
    )
    assert [child.code for child in areas.get(code="DC22-2").get_children()] == [
        f"DC22-2.{n}" for n in range(1, 7)
    ]
    assert digcomp.scale.max_level == 8
    assert list(digcomp.scale.levels.values_list("name", flat=True)) == [
        "Foundation 1",
        "Foundation 2",
        "Intermediate 3",
        "Intermediate 4",
        "Advanced 5",
        "Advanced 6",
        "Highly specialised 7",
        "Highly specialised 8",
    ]
    assert nodes.filter(name_zh="").count() == 0


def test_digcomp_carries_the_cc_by_attribution_in_both_languages():
    framework_load_defaults()
    digcomp = Framework.objects.get(code="DC22")

    assert digcomp.licence == "CC BY 4.0"
    assert "DigComp 2.2" in digcomp.attribution
    assert "© European Union" in digcomp.attribution
    assert "unofficial" in digcomp.attribution
    assert "非官方" in digcomp.attribution_zh
    assert "JRC" in digcomp.source


def test_the_egov_branch_has_four_areas_of_three_to_five_competences():
    framework_load_defaults()
    egov = Framework.objects.get(code="CSEG")
    areas = Competency.objects.filter(framework=egov, depth=1)

    assert areas.count() == 4
    assert all(3 <= area.get_children_count() <= 5 for area in areas)
    assert egov.attribution
    # Security practice evidence expires after 12 months.
    security = Competency.objects.get(code="EG-4.1")
    assert security.validity_months == 12


@pytest.mark.django_db
def test_load_command_is_idempotent():
    from io import StringIO

    from django.core.management import call_command

    from assessments.models import Competency, Framework

    out = StringIO()
    call_command("framework_load_defaults", stdout=out)
    call_command("framework_load_defaults", stdout=out)
    assert Framework.objects.count() == 2
    assert Competency.objects.filter(framework__code="DC22").count() == 26
    assert "DC22: 26 competencies" in out.getvalue()
