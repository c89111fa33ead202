"""The organisation: the department tree, ranks, positions, learner profiles and
role scopes."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from assessments.i18n import localised
from learning.organisation import rules


def _paths_of(departments_or_paths: Iterable[Department | str]) -> list[str]:
    """Tree paths, without those already inside another one of the list."""
    paths = sorted(
        {item if isinstance(item, str) else item.path for item in departments_or_paths}
    )
    kept: list[str] = []
    for path in paths:  # sorted: a subtree's root comes before its members
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtree_q(departments_or_paths: Iterable[Department | str], prefix: str = "") -> Q:
    """The condition "in the subtree of any of these departments" on the department
    reached through `prefix` (e.g. "department__", "profile__department__"). Each
    subtree is `path LIKE 'prefix%'`, which PostgreSQL answers from the path index
    (varchar_pattern_ops); no department at all matches nothing."""
    paths = _paths_of(departments_or_paths)
    if not paths:
        return Q(pk__in=[])
    query = Q(**{f"{prefix}path__startswith": paths[0]})
    for path in paths[1:]:
        query |= Q(**{f"{prefix}path__startswith": path})
    return query


class DepartmentQuerySet(MP_NodeQuerySet):
    def subtree(self, *departments_or_paths: Department | str) -> DepartmentQuerySet:
        """These departments and everything below them (none when none given)."""
        return self.filter(subtree_q(departments_or_paths))


class DepartmentManager(MP_NodeManager.from_queryset(DepartmentQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> DepartmentQuerySet:
        # Treebeard's ordering by path, with our queryset.
        return DepartmentQuerySet(self.model, using=self._db).order_by("path")


class Department(MP_Node):
    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        BUREAU = "bureau", _("Bureau")
        TOWNSHIP = "township", _("Township / street")
        OFFICE = "office", _("Office")
        SECTION = "section", _("Section")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["code"]

    objects = DepartmentManager()
    subtree_q = staticmethod(subtree_q)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        indexes = [
            # Subtree look-ups are `path LIKE 'prefix%'`; PostgreSQL needs the pattern
            # operator class to use an index for them (ignored on SQLite).
            models.Index(
                fields=["path"],
                name="learning_dept_path_like",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localised(self.name, self.name_en)

    @property
    def tree_label(self) -> str:
        """The name indented by depth, for flat lists that show the tree."""
        return "　" * max(self.depth - 1, 0) + self.display_name


class Rank(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")

    def __str__(self) -> str:
        return localised(self.name, self.name_en)


class Position(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    rank = models.ForeignKey(
        Rank,
        verbose_name=_("typical rank"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_leader = models.BooleanField(
        _("leader position"),
        default=False,
        help_text=_("Heads of a unit: receive escalations and lead its dashboard."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return localised(self.title, self.title_en)


class LearnerProfile(models.Model):
    """A civil servant. Leavers are deactivated, never deleted, so history stays."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="learner_profile",
    )
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
    )
    rank = models.ForeignKey(
        Rank,
        verbose_name=_("rank"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
    )

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        indexes = [models.Index(fields=["department", "is_active"])]
        constraints = [
            # Numbers that differ only in width or case are one person's
            # (rules.employee_number_key); stored numbers are normalised.
            models.UniqueConstraint(
                rules.employee_number_key_expression(),
                name="learning_learnerprofile_number_key",
                violation_error_code=rules.TAKEN,
                violation_error_message=_(
                    "Someone already has this employee number (written in another "
                    "width or case)."
                ),
            ),
            models.CheckConstraint(
                condition=rules.employee_number_normalised_check(),
                name="learning_learnerprofile_number_normalised",
                violation_error_message=_(
                    "Write the employee number without full-width characters or "
                    "surrounding spaces."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_number})"

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        """As Django's, but a number someone else has (in any width or case) is
        reported on the number's field, in the words of the person rules."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            others = errors.get(NON_FIELD_ERRORS, [])
            kept = [e for e in others if getattr(e, "code", None) != rules.TAKEN]
            if len(kept) == len(others):
                raise
            errors.pop(NON_FIELD_ERRORS)
            if kept:
                errors[NON_FIELD_ERRORS] = kept
            errors.setdefault("employee_number", []).append(
                rules.employee_number_taken_error(self.employee_number)
            )
            raise ValidationError(errors) from None


class RoleScope(models.Model):
    """A role held over a department and everything below it."""

    class Role(models.TextChoices):
        HR = "hr", _("HR officer")
        LEADER = "leader", _("Leader")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_scopes",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department (with its subtree)"),
        on_delete=models.CASCADE,
        related_name="role_scopes",
    )

    class Meta:
        verbose_name = _("role scope")
        verbose_name_plural = _("role scopes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department"], name="learning_rolescope_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.department}"
