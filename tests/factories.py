"""factory_boy factories and a small department tree for tests."""

from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model

from learning.models import Department, LearnerProfile, Position, Rank, RoleScope
from learning.organisation.services import role_groups_ensure
from learning.people.services import department_create

PASSWORD = "correct-horse-battery-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class RankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rank
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"{n}级主任科员")
    name_en = factory.Sequence(lambda n: f"Principal Staff Member {n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    title = "科员"
    title_en = "Staff Member"


class DepartmentFactory(factory.django.DjangoModelFactory):
    """Creates through the service so the tree stays valid; pass parent=None for a
    root."""

    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")
    kind = Department.Kind.BUREAU
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return department_create(actor=None, **kwargs)


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    full_name = factory.Faker("name", locale="zh_CN")
    department = factory.SubFactory(DepartmentFactory)
    position = factory.SubFactory(PositionFactory)
    rank = factory.SubFactory(RankFactory)


@dataclass
class CountyTree:
    county: Department
    bureau_a: Department
    section_a1: Department
    section_a2: Department
    bureau_b: Department
    section_b1: Department
    township: Department
    township_office: Department


def county_tree() -> CountyTree:
    """county → bureau A (sections A1, A2), bureau B (section B1), township (office)."""
    county = DepartmentFactory(code="CTY", name="测试县", kind=Department.Kind.COUNTY)
    bureau_a = DepartmentFactory(code="CTY-A", name="行政审批服务局", parent=county)
    section_a1 = DepartmentFactory(
        code="CTY-A-1", name="窗口服务科", kind="section", parent=bureau_a
    )
    section_a2 = DepartmentFactory(
        code="CTY-A-2", name="审批管理科", kind="section", parent=bureau_a
    )
    bureau_b = DepartmentFactory(code="CTY-B", name="财政局", parent=county)
    section_b1 = DepartmentFactory(
        code="CTY-B-1", name="预算科", kind="section", parent=bureau_b
    )
    township = DepartmentFactory(
        code="CTY-T", name="青石镇", kind="township", parent=county
    )
    township_office = DepartmentFactory(
        code="CTY-T-1", name="便民服务中心", kind="office", parent=township
    )
    return CountyTree(
        county,
        bureau_a,
        section_a1,
        section_a2,
        bureau_b,
        section_b1,
        township,
        township_office,
    )


def person_in(department: Department, **kwargs) -> LearnerProfile:
    return LearnerProfileFactory(department=department, **kwargs)


def scoped_user(role: str, department: Department, **kwargs) -> LearnerProfile:
    """A person in `department` who holds `role` over it (and its subtree)."""
    profile = person_in(department, **kwargs)
    RoleScope.objects.create(user=profile.user, role=role, department=department)
    if role == RoleScope.Role.HR:
        profile.user.groups.add(role_groups_ensure())
    return profile


def second_factor_passed(client, user) -> None:
    """Mark `client`'s session (signed in as `user`) as having given the back
    office's second factor, as a site admin with an authenticator has (the back
    office asks site admins for one)."""
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: PLC0415
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
