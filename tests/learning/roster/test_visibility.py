"""Who sees a roster import: its uploader and site admins (learning.policy), in
the list, on every screen of the import, and when asking to apply it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from learning import policy
from learning.models import LearnerProfile, RoleScope, RosterImport
from learning.roster.services import roster_check, roster_enqueue, roster_import_list
from tests.factories import UserFactory, scoped_user

pytestmark = pytest.mark.django_db

ROSTER = "工号,姓名,部门\r\nN1,新人甲,CTY-A-1\r\n".encode()


@pytest.fixture
def uploaded(county):
    """A roster bureau A's HR officer checked and has not applied yet."""
    hr_a = scoped_user(RoleScope.Role.HR, county.bureau_a, employee_number="HRA")
    return roster_check(actor=hr_a.user, content=ROSTER, file_name="a.csv")


@pytest.fixture
def hr_b(county):
    return scoped_user(RoleScope.Role.HR, county.bureau_b, employee_number="HRB").user


def test_hr_of_another_subtree_gets_404_for_someone_elses_import(
    uploaded, hr_b, client
):
    client.force_login(hr_b)
    for name in ("report", "progress", "status"):
        url = reverse(f"roster_import:{name}", args=[uploaded.pk])
        assert client.get(url).status_code == 404, name
    apply = client.post(reverse("roster_import:apply", args=[uploaded.pk]))
    assert apply.status_code == 404
    index = client.get(reverse("roster_import:index")).content.decode()
    assert "a.csv" not in index
    uploaded.refresh_from_db()
    assert uploaded.status == RosterImport.Status.CHECKED


def test_only_the_uploader_and_site_admins_may_see_or_apply_it(uploaded, hr_b):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert list(roster_import_list(user=uploaded.uploaded_by)) == [uploaded]
    assert list(roster_import_list(user=admin)) == [uploaded]
    assert list(roster_import_list(user=hr_b)) == []
    with pytest.raises(PermissionDenied):
        roster_enqueue(actor=hr_b, roster_import=uploaded)
    uploaded.refresh_from_db()
    assert uploaded.status == RosterImport.Status.CHECKED
    assert not LearnerProfile.objects.filter(employee_number="N1").exists()


def test_an_uploader_who_lost_the_hr_role_sees_it_no_more(uploaded):
    RoleScope.objects.filter(user=uploaded.uploaded_by).delete()
    uploader = type(uploaded.uploaded_by).objects.get(pk=uploaded.uploaded_by_id)
    assert not policy.visible_roster_imports(uploader, RosterImport.objects.all())
    with pytest.raises(PermissionDenied):
        roster_enqueue(actor=uploader, roster_import=uploaded)
