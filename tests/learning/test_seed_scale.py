import pytest
from django.core.management import CommandError, call_command

from assessments.models import CompetencyLevel, Evidence
from assessments.services.frameworks import framework_load_defaults
from learning.models import Department, LearnerProfile

pytestmark = pytest.mark.django_db


def counts():
    return (
        Department.objects.filter(code__startswith="SC").count(),
        LearnerProfile.objects.filter(employee_number__startswith="SC").count(),
        Evidence.objects.count(),
        CompetencyLevel.objects.count(),
    )


def test_seed_scale_builds_a_province_and_is_idempotent():
    framework_load_defaults()
    call_command("seed_scale", learners=400, verbosity=0)
    first = counts()
    departments, people, evidence, levels = first
    assert people == 400
    assert evidence == levels == 400 * 4
    root = Department.objects.get(code="SC")
    assert Department.objects.filter(path__startswith=root.path).count() == departments
    # Everyone sits in a leaf section of the province.
    assert (
        not LearnerProfile.objects.filter(employee_number__startswith="SC")
        .exclude(department__kind="section")
        .exists()
    )

    call_command("seed_scale", learners=400, verbosity=0)
    assert counts() == first

    call_command("seed_scale", learners=450, verbosity=0)
    assert counts()[1] == 450


def test_seed_scale_refuses_a_silly_size():
    with pytest.raises(CommandError):
        call_command("seed_scale", learners=0, verbosity=0)
    assert not Department.objects.exists()
