"""HR builds curricula in the back office: inside its scope, with clear messages for
bad input, and saving an active curriculum assigns it at once."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from learning.models import Assignment, Curriculum, RoleScope
from tests import factories
from tests.courses.builders import course_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return course_tree()


def in_english(user):
    """The back office speaks the user's chosen language; these tests read English."""
    preferences = UserProfile.get_for_user(user)
    preferences.preferred_language = "en"
    preferences.save()
    return user


@pytest.fixture
def hr(county):
    profile = factories.scoped_user(RoleScope.Role.HR, county.county)
    in_english(profile.user)
    return profile


def form_data(county, course, **overrides):
    data = {
        "name": "年度网络安全意识培训",
        "name_en": "Annual security awareness",
        "description": "",
        "owner_department": county.county.pk,
        "status": "active",
        "required_count": 0,
        "departments": [county.county.pk],
        "individual_numbers": "",
        "excluded_numbers": "",
        "due_kind": "after_assignment",
        "due_date": "",
        "due_days": 30,
        "grace_days": 0,
        "recurrence_months": 12,
        "renewal_window_days": 30,
        "items-TOTAL_FORMS": 1,
        "items-INITIAL_FORMS": 0,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "items-0-course": course.pk if course else "",
        "items-0-id": "",
        "items-0-ORDER": 1,
        "items-0-DELETE": "",
    }
    data.update(overrides)
    return data


def test_hr_creates_an_active_curriculum_and_everyone_is_assigned(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    people = [factories.person_in(county.section_a1) for _i in range(3)]
    client.force_login(hr.user)
    response = client.get(reverse("curricula:add"))
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("curricula:add"), form_data(county, tree.course))
    assert response.status_code == 302, response.context["form"].errors
    curriculum = Curriculum.objects.get()
    assert curriculum.created_by == hr.user
    assert list(curriculum.items.values_list("course_key", flat=True)) == [
        tree.course.translation_key
    ]
    assigned = set(
        Assignment.objects.filter(curriculum=curriculum).values_list(
            "profile_id", flat=True
        )
    )
    assert assigned == {p.pk for p in people} | {hr.pk}
    row = Assignment.objects.get(profile=people[0])
    assert row.due_on == timezone.localdate() + datetime.timedelta(days=30)
    listing = client.get(reverse("curricula:index"))
    assert "Annual security awareness" in listing.content.decode() or (
        "年度网络安全意识培训" in listing.content.decode()
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"items-0-course": ""}, "Add at least one course"),
        ({"due_kind": "fixed", "due_date": ""}, "Give the due date"),
        ({"renewal_window_days": 400}, "less than one cycle"),
        ({"required_count": 3}, "requires 3 courses"),
        ({"individual_numbers": "NOPE-1\nNOPE-2"}, "NOPE-1, NOPE-2"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(
    client, county, hr, tree, overrides, message
):
    factories.person_in(county.section_a1)
    client.force_login(hr.user)
    response = client.post(
        reverse("curricula:add"), form_data(county, tree.course, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Curriculum.objects.exists()
    assert not Assignment.objects.exists()


def test_bureau_hr_cannot_reach_outside_its_scope(client, county, tree):
    hr_a = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    other = factories.person_in(county.section_b1)
    client.force_login(in_english(hr_a.user))
    # The county is not a choice for them.
    response = client.post(
        reverse("curricula:add"),
        form_data(
            county,
            tree.course,
            owner_department=county.county.pk,
            departments=[county.bureau_a.pk],
        ),
    )
    assert response.status_code == 200 and not Curriculum.objects.exists()
    response = client.post(
        reverse("curricula:add"),
        form_data(
            county,
            tree.course,
            owner_department=county.bureau_a.pk,
            departments=[county.bureau_a.pk],
            individual_numbers=other.employee_number,
        ),
    )
    page = response.content.decode()
    assert "No one in your departments has these employee numbers" in page
    assert other.full_name not in page  # who it is stays outside their scope
    assert not Curriculum.objects.exists()
    county_wide = Curriculum.objects.create(
        name="全县", owner_department=county.county, due_days=30
    )
    assert client.get(reverse("curricula:edit", args=[county_wide.pk])).status_code in (
        403,
        302,
        404,
    )
    listing = client.get(reverse("curricula:index")).content.decode()
    assert "全县" not in listing


def test_a_curriculum_with_assignments_is_archived_not_deleted(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    client.force_login(hr.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curricula:add"), form_data(county, tree.course))
    curriculum = Curriculum.objects.get()
    response = client.post(reverse("curricula:delete", args=[curriculum.pk]))
    assert Curriculum.objects.filter(pk=curriculum.pk).exists()
    assert response.status_code in (302, 403)
    data = form_data(county, tree.course, status="archived")
    item = curriculum.items.get()
    data.update({"items-INITIAL_FORMS": 1, "items-0-id": item.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("curricula:edit", args=[curriculum.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert set(Assignment.objects.values_list("state", flat=True)) == {
        Assignment.State.CLOSED
    }


def test_plain_learners_have_no_curriculum_screens(client, county):
    learner = factories.person_in(county.section_a1)
    client.force_login(learner.user)
    assert client.get(reverse("curricula:index")).status_code in (302, 403)


def messages_on(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def created(client, county, tree, capture, **overrides) -> Curriculum:
    with capture(execute=True):
        response = client.post(
            reverse("curricula:add"), form_data(county, tree.course, **overrides)
        )
    assert response.status_code == 302, response.context["form"].errors
    return Curriculum.objects.get()


def edit_data(county, curriculum, tree, **overrides):
    data = form_data(county, tree.course, **overrides)
    data.update({"items-INITIAL_FORMS": 1, "items-0-id": curriculum.items.get().pk})
    return data


def with_second_row(data, course):
    data.update(
        {
            "items-TOTAL_FORMS": 2,
            "items-1-course": course.pk,
            "items-1-id": "",
            "items-1-ORDER": 2,
            "items-1-DELETE": "",
        }
    )
    return data


def test_a_course_listed_twice_is_refused_with_a_message(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    client.force_login(hr.user)
    data = with_second_row(form_data(county, tree.course), tree.course)
    response = client.post(reverse("curricula:add"), data)
    assert response.status_code == 200
    assert "Each course can be listed only once" in response.content.decode()
    assert not Curriculum.objects.exists()

    curriculum = created(client, county, tree, django_capture_on_commit_callbacks)
    data = with_second_row(edit_data(county, curriculum, tree), tree.course)
    response = client.post(reverse("curricula:edit", args=[curriculum.pk]), data)
    assert response.status_code == 200
    assert "Each course can be listed only once" in response.content.decode()
    assert curriculum.items.count() == 1


def test_an_assigned_curriculum_cannot_go_back_to_draft(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    factories.person_in(county.section_a1)
    client.force_login(hr.user)
    curriculum = created(client, county, tree, django_capture_on_commit_callbacks)
    assert curriculum.assignments.exists()
    response = client.post(
        reverse("curricula:edit", args=[curriculum.pk]),
        edit_data(county, curriculum, tree, status="draft"),
    )
    assert response.status_code == 200
    assert "People are already assigned: archive the curriculum instead." in (
        response.content.decode()
    )
    curriculum.refresh_from_db()
    assert curriculum.status == Curriculum.Status.ACTIVE


def test_an_edit_in_the_back_office_saves_through_the_service(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    person = factories.person_in(county.section_a1)
    client.force_login(hr.user)
    curriculum = created(client, county, tree, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("curricula:edit", args=[curriculum.pk]),
        edit_data(county, curriculum, tree, required_count=2),
    )
    assert "The curriculum requires 2 courses but lists only 1." in (
        response.content.decode()
    )
    # A valid edit: the service saves the audience and re-syncs on commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("curricula:edit", args=[curriculum.pk]),
            edit_data(
                county,
                curriculum,
                tree,
                departments=[county.bureau_b.pk],
                individual_numbers=person.employee_number,
                due_days=45,
            ),
        )
    assert response.status_code == 302, response.context["form"].errors
    curriculum.refresh_from_db()
    assert list(curriculum.individuals.all()) == [person]
    assert curriculum.due_days == 45
    row = Assignment.objects.get(curriculum=curriculum, profile=person)
    assert row.state == Assignment.State.OPEN
    assert (row.due_on - row.starts_on).days == 45
    assert not Assignment.objects.filter(
        curriculum=curriculum, profile=hr, state=Assignment.State.OPEN
    ).exists()


def test_delete_is_refused_with_assignments_and_allowed_without(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    client.force_login(hr.user)
    curriculum = created(client, county, tree, django_capture_on_commit_callbacks)
    response = client.post(reverse("curricula:delete", args=[curriculum.pk]))
    assert Curriculum.objects.filter(pk=curriculum.pk).exists()
    assert "A curriculum with assignments cannot be deleted: archive it." in (
        messages_on(response)
    )
    draft = Curriculum.objects.create(
        name="草稿", owner_department=county.county, due_days=30
    )
    response = client.post(reverse("curricula:delete", args=[draft.pk]))
    assert response.status_code == 302
    assert not Curriculum.objects.filter(pk=draft.pk).exists()


# The form's live audience count --------------------------------------------------


def preview(client, data):
    return client.post(reverse("curricula:preview"), data)


def test_preview_counts_whom_the_audience_selects_and_saves_nothing(
    client, county, hr, tree, django_capture_on_commit_callbacks
):
    factories.person_in(county.section_a1)
    factories.person_in(county.section_a2)
    factories.person_in(county.section_b1)
    gone = factories.person_in(county.section_a1)
    gone.is_active = False
    gone.save()
    client.force_login(hr.user)
    data = form_data(county, tree.course, departments=[county.bureau_a.pk])
    answer = preview(client, {**data, "status": "draft"}).json()
    # Two active people in bureau A; a draft assigns none of them.
    assert answer["count"] == 2 and answer["state"] == "draft"
    assert "2 people" in answer["text"] and "Nobody is assigned" in answer["text"]
    assert not Curriculum.objects.exists() and not Assignment.objects.exists()

    # Excluding a section and naming someone outside the departments: the same rule
    # as the assignments that saving the form makes.
    data = form_data(
        county,
        tree.course,
        departments=[county.bureau_a.pk],
        excluded_departments=[county.section_a2.pk],
        individual_numbers=county_person_number(county.section_b1),
    )
    answer = preview(client, data).json()
    assert answer == {
        "count": 2,
        "state": "active",
        "text": "This selects 2 people.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("curricula:add"), data)
    assert Assignment.objects.count() == answer["count"]


def county_person_number(department):
    from learning.models import LearnerProfile

    return LearnerProfile.objects.filter(department=department).get().employee_number


def test_preview_in_chinese_and_without_an_owner(client, county, hr, tree):
    client.force_login(hr.user)
    data = form_data(county, tree.course, owner_department="")
    answer = preview(client, data).json()
    assert answer["count"] is None and "owning department" in answer["text"]
    factories.person_in(county.section_a1)
    answer = client.post(
        reverse("curricula:preview"),
        form_data(county, tree.course),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()
    assert answer["count"] >= 1


def test_preview_counts_only_inside_the_officers_scope(client, county, tree):
    bureau_hr = factories.scoped_user(RoleScope.Role.HR, county.bureau_a)
    in_english(bureau_hr.user)
    factories.person_in(county.section_a1)
    factories.person_in(county.section_b1)
    client.force_login(bureau_hr.user)
    # The whole county as owner and audience is outside this officer's scope: the
    # form refuses both fields, and nothing outside bureau A is counted or named.
    answer = preview(client, form_data(county, tree.course)).json()
    assert answer["count"] is None
    answer = preview(
        client,
        form_data(
            county,
            tree.course,
            owner_department=county.bureau_a.pk,
            departments=[county.bureau_a.pk, county.bureau_b.pk],
        ),
    ).json()
    assert answer["count"] <= 2  # bureau A's own people only (officer + one)


def test_preview_is_for_hr_only(client, county, tree):
    data = form_data(county, tree.course)
    assert preview(client, data).status_code == 302  # to the sign-in page
    learner = factories.person_in(county.section_a1)
    client.force_login(learner.user)
    assert preview(client, data).status_code in (302, 403)
    leader = factories.scoped_user(RoleScope.Role.LEADER, county.county)
    client.force_login(leader.user)
    assert preview(client, data).status_code in (302, 403)
    hr = factories.scoped_user(RoleScope.Role.HR, county.county)
    client.force_login(hr.user)
    assert client.get(reverse("curricula:preview")).status_code == 405


def test_the_form_offers_filterable_department_checklists(client, county, hr):
    client.force_login(hr.user)
    body = client.get(reverse("curricula:add")).content.decode()
    # Three checklists (the page also carries their templates as JSON).
    assert body.count('<div class="dept-tree" data-dept-tree') == 3
    # Each option carries its department's whole path for the filter.
    assert re.search(r'data-path="[^"/]+ / [^"/]+ / [^"/]+"', body)
    assert "curriculum-form.js" in body and "A draft assigns nobody" in body
