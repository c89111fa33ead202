"""Planning a roster import: what each row would create, update, move,
deactivate or reactivate, checked against the organisation and HR's scope."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.spreadsheets import lookup_key
from learning import policy
from learning.organisation import rules
from learning.organisation.models import Department, LearnerProfile, Position, Rank
from learning.roster.reading import COLUMN_LABELS, RosterTable, roster_read

User = get_user_model()
BATCH = 2000

CREATE_KINDS = {
    Department.Kind.COUNTY: Department.Kind.BUREAU,
    Department.Kind.TOWNSHIP: Department.Kind.OFFICE,
}


_ACTIVE_WORDS = {"", "active", "在职", "在岗", "正常"}


_LEFT_WORDS = {"left", "inactive", "leaver", "离职", "已离职", "退休", "调出"}


_DATE_RE = re.compile(
    # A time of day after the date (a date-time cell, "2021-09-01 08:30") is ignored.
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


# Codes look like QX-XZSP: such a value is never taken as the name of a new unit.
_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$")


_EXCEL_EPOCH = datetime.date(1899, 12, 30)


ACTIONS = ("create", "update", "move", "deactivate", "reactivate", "unchanged")


class _Scope:
    """What the import may touch: the actor's HR subtree, or (actor None, the
    management command) the whole organisation."""

    def __init__(self, actor: Any | None) -> None:
        self.actor = actor
        self._covered: dict[int, bool] = {}

    def covers(self, department: Department) -> bool:
        if self.actor is None:
            return True
        if department.pk not in self._covered:
            self._covered[department.pk] = policy.can_manage_department(
                self.actor, department
            )
        return self._covered[department.pk]

    def profiles(self) -> QuerySet:
        if self.actor is None:
            return LearnerProfile.objects.all()
        return policy.managed_profiles(self.actor)


@dataclass
class _NewDepartment:
    key: str
    name: str
    parent_key: int | str
    parent: Department | None
    code: str
    kind: str
    path_label: str


@dataclass
class _Plan:
    lines: list[list] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    total_rows: int = 0
    # (row, employee number, name, department key, position id, rank id, hire date,
    #  e-mail, phone, active)
    creates: list[tuple] = field(default_factory=list)
    # (profile id, user id, {profile field: value}, {user field: value}, action)
    updates: list[tuple] = field(default_factory=list)
    new_departments: dict[str, _NewDepartment] = field(default_factory=dict)
    # A full roster: how many active people are in scope (the deactivation guard's
    # base).
    in_scope_active: int = 0
    # (user id, new e-mail): written only once its owner confirms it (a link is sent
    # after the apply commits), as when HR edits the address on the person's form.
    emails: list[tuple[int, str]] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return self.counts["errors"]


def _message(row: int, column: str, message: str) -> str:
    return _("Row %(row)s, column %(column)s: %(message)s") % {
        "row": row,
        "column": COLUMN_LABELS[column],
        "message": message,
    }


def _parse_date(text: str) -> datetime.date | None:
    """A date written YYYY-MM-DD, YYYY/MM/DD, 2024年3月1日 or as an Excel serial
    number, in any width (２０２１／９／１); None when it is no date."""
    text = lookup_key(text)
    match = _DATE_RE.match(text)
    try:
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
        if re.fullmatch(r"\d{8}", text):
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{4,5}(\.\d+)?", text):  # a fraction is the time of day
            serial = int(float(text))
            if 18264 <= serial <= 73050:  # 1950 to 2100
                return _EXCEL_EPOCH + datetime.timedelta(days=serial)
    except ValueError:
        return None
    return None


class _Directory:
    """The organisation preloaded into dicts, so that a row costs no query."""

    def __init__(self) -> None:
        departments = list(Department.objects.order_by("path"))
        self.departments = {d.pk: d for d in departments}
        self.by_code = {d.code.upper(): d for d in departments}
        by_path = {d.path: d for d in departments}
        self.by_names: dict[str, list[Department]] = {}
        self.path_label: dict[int, str] = {}
        roots = [d for d in departments if d.depth == 1]
        self.single_root = roots[0] if len(roots) == 1 else None
        step = Department.steplen
        for department in departments:
            chain = [
                by_path[department.path[: step * depth]]
                for depth in range(1, department.depth + 1)
            ]
            self.path_label[department.pk] = "/".join(d.name for d in chain)
            for attr in ("name", "name_en"):
                names = [getattr(d, attr) or d.name for d in chain]
                keys = {self._key(names)}
                if self.single_root is not None and len(names) > 1:
                    keys.add(self._key(names[1:]))  # the county may be left out
                for key in keys:
                    found = self.by_names.setdefault(key, [])
                    if department not in found:
                        found.append(department)
        self.positions = self._lookup(Position.objects.all(), ("code", "title"))
        self.ranks = self._lookup(Rank.objects.all(), ("code", "name"))

    @staticmethod
    def _key(names: list[str]) -> str:
        return "/".join(lookup_key(n) for n in names)

    @staticmethod
    def _lookup(queryset: QuerySet, fields: tuple[str, str]) -> dict[str, Any]:
        """Items by code and by name (Chinese or English); a name that two items
        share maps to None, so that it is refused rather than guessed."""
        found: dict[str, Any] = {}
        code_field, name_field = fields
        items = list(queryset)
        for item in items:
            for text in (getattr(item, name_field), getattr(item, f"{name_field}_en")):
                if text:
                    key = lookup_key(text)
                    found[key] = item if found.get(key, item) == item else None
        for item in items:  # codes win over names that happen to equal a code
            found[getattr(item, code_field).lower()] = item
        return found

    def split_path(self, text: str) -> list[str]:
        return [
            part.strip() for part in re.split(r"\s*[/／>＞\\]\s*", text) if part.strip()
        ]

    def find(self, text: str) -> list[Department]:
        department = self.by_code.get(lookup_key(text).upper())  # ＱＸ－ＸＺ too
        if department is not None:
            return [department]
        return self.by_names.get(self._key(self.split_path(text)), [])


class _Planner:
    """Turns rows into the plan: one line per row that changes something or has an
    error, plus one line per person a full roster deactivates."""

    def __init__(
        self, *, scope: _Scope, columns: list[str], create_departments: bool
    ) -> None:
        self.scope = scope
        self.columns = set(columns)
        self.create_departments = create_departments
        self.directory = _Directory()
        self.plan = _Plan()
        # By rules.employee_number_key: "qx００２５３" in the file is QX00253.
        self.seen: dict[str, int] = {}
        self.people = {
            rules.employee_number_key(row[0]): row
            for row in LearnerProfile.objects.values_list(
                "employee_number",
                "pk",
                "user_id",
                "full_name",
                "department_id",
                "position_id",
                "rank_id",
                "hire_date",
                "phone",
                "is_active",
                "user__email",
            ).iterator(chunk_size=5000)
        }
        # Accounts whose e-mail and status the importer may not change (they hold
        # powers the importer does not hold over them: policy.accounts_above).
        self.above = policy.accounts_above(
            scope.actor, scope.profiles().values_list("user_id", flat=True)
        )
        self.own_profile_id = None
        if scope.actor is not None:
            profile = policy.profile_of(scope.actor)
            self.own_profile_id = profile.pk if profile else None

    # Departments ----------------------------------------------------------------

    def department(self, row: int, text: str, errors: list[str]) -> int | str | None:
        """The department's id, the key of a department the import creates, or None
        (with the error added)."""
        if not text:
            errors.append(
                _message(
                    row,
                    "department",
                    _(
                        "Give the department: its code (e.g. QX-XZSP) or its path of "
                        "names (e.g. 清溪县/行政审批服务局)."
                    ),
                )
            )
            return None
        found = self.directory.find(text)
        if len(found) > 1:
            errors.append(
                _message(
                    row,
                    "department",
                    _("“%(value)s” matches several departments; use its code.")
                    % {"value": text},
                )
            )
            return None
        if found:
            department = found[0]
            if not self.scope.covers(department):
                errors.append(self._outside(row, department))
                return None
            return department.pk
        if self.create_departments and not _CODE_RE.match(text):
            return self._planned_department(row, text, errors)
        errors.append(
            _message(
                row,
                "department",
                _(
                    "Unknown department “%(value)s”. Use a department code or the "
                    "path of names from the top (e.g. 清溪县/行政审批服务局/"
                    "窗口服务科), or tick “create missing departments” to add it."
                )
                % {"value": text},
            )
        )
        return None

    def _outside(self, row: int, department: Department) -> str:
        return _message(
            row,
            "department",
            _("%(department)s is outside the departments you manage.")
            % {"department": self.directory.path_label[department.pk]},
        )

    def _planned_department(
        self, row: int, text: str, errors: list[str]
    ) -> int | str | None:
        names = self.directory.split_path(text)
        existing: Department | None = None
        start = 0
        for length in range(len(names) - 1, 0, -1):
            found = self.directory.find("/".join(names[:length]))
            if len(found) == 1:
                existing, start = found[0], length
                break
        if existing is None and self.directory.single_root is not None:
            existing = self.directory.single_root
            start = 1 if self.directory.find(names[0]) == [existing] else 0
        if existing is None or start >= len(names):
            errors.append(
                _message(
                    row,
                    "department",
                    _(
                        "Unknown department “%(value)s”: no part of its path exists, "
                        "so it cannot be created. Start the path with an existing "
                        "department."
                    )
                    % {"value": text},
                )
            )
            return None
        if not self.scope.covers(existing):
            errors.append(self._outside(row, existing))
            return None
        parent_key: int | str = existing.pk
        label = self.directory.path_label[existing.pk]
        parent_kind = existing.kind
        parent_code = existing.code
        for name in names[start:]:
            label = f"{label}/{name}"
            key = self.directory._key(self.directory.split_path(label))
            planned = self.plan.new_departments.get(key)
            if planned is None:
                kind = CREATE_KINDS.get(parent_kind, Department.Kind.SECTION)
                planned = _NewDepartment(
                    key=key,
                    name=name[:200],
                    parent_key=parent_key,
                    parent=existing if parent_key == existing.pk else None,
                    code=self._new_code(parent_code),
                    kind=kind,
                    path_label=label,
                )
                self.plan.new_departments[key] = planned
            parent_key, parent_kind, parent_code = key, planned.kind, planned.code
        return parent_key

    def _new_code(self, parent_code: str) -> str:
        taken = set(self.directory.by_code) | {
            d.code.upper() for d in self.plan.new_departments.values()
        }
        number = 1
        while f"{parent_code}-N{number:02d}".upper() in taken:
            number += 1
        return f"{parent_code}-N{number:02d}"

    # Rows -----------------------------------------------------------------------

    def _reference(self, row, column, text, table, errors) -> int | None:
        key = lookup_key(text)
        item = table.get(key)
        if item is None and key in table:
            errors.append(
                _message(
                    row,
                    column,
                    _("“%(value)s” matches several; use its code.") % {"value": text},
                )
            )
            return None
        if item is None:
            # Say what exists, so that the fix is obvious.
            examples = ", ".join(sorted({o.code for o in table.values() if o})[:6])
            errors.append(
                _message(
                    row,
                    column,
                    _("Unknown %(column)s “%(value)s”. Use a code or name, e.g. %(e)s.")
                    % {"column": COLUMN_LABELS[column], "value": text, "e": examples},
                )
            )
            return None
        return item.pk

    def row(self, row: int, cells: dict[str, str]) -> None:
        plan = self.plan
        plan.total_rows += 1
        errors: list[str] = []

        def checked(column: str, rule: Callable[[Any], Any], value: Any) -> Any:
            """The person rule's value, or None with its message added."""
            try:
                return rule(value)
            except ValidationError as error:
                errors.extend(_message(row, column, m) for m in error.messages)
                return None

        number = checked(
            "employee_number", rules.employee_number_clean, cells["employee_number"]
        )
        key = rules.employee_number_key(number)
        if number is None:
            number = cells["employee_number"]
        elif key in self.seen:
            errors.append(
                _message(
                    row,
                    "employee_number",
                    _(
                        "%(value)s is also on row %(other)s; each person may appear "
                        "only once."
                    )
                    % {"value": number, "other": self.seen[key]},
                )
            )
        else:
            self.seen[key] = row
        name = checked("full_name", rules.full_name_clean, cells["full_name"])
        if name is None:
            name = cells["full_name"]
        department = self.department(row, cells["department"], errors)
        position = rank = hire_date = None
        if cells.get("position"):
            position = self._reference(
                row, "position", cells["position"], self.directory.positions, errors
            )
        if cells.get("rank"):
            rank = self._reference(
                row, "rank", cells["rank"], self.directory.ranks, errors
            )
        if cells.get("hire_date"):
            hire_date = _parse_date(cells["hire_date"])
            if hire_date is None:
                errors.append(
                    _message(
                        row,
                        "hire_date",
                        _(
                            "%(value)s is not a date. Write it as YYYY-MM-DD, e.g. "
                            "2024-03-01."
                        )
                        % {"value": cells["hire_date"]},
                    )
                )
            else:
                hire_date = checked("hire_date", rules.hire_date_check, hire_date)
        email = checked("email", rules.email_clean, cells.get("email", "")) or ""
        phone = checked("phone", rules.phone_clean, cells.get("phone", "")) or ""
        # 在职, "在 职" (aligned), ＡＣＴＩＶＥ and active are one word.
        status = "".join(lookup_key(cells.get("status", "")).split())
        active = status in _ACTIVE_WORDS
        if not active and status not in _LEFT_WORDS:
            errors.append(
                _message(
                    row,
                    "status",
                    _(
                        "Unknown status “%(value)s”. Write 在职 or 离职 "
                        "(active or left)."
                    )
                    % {"value": cells["status"]},
                )
            )
        existing = self.people.get(key)
        if existing is not None and existing[4] is not None:
            current = self.directory.departments[existing[4]]
            if not self.scope.covers(current):
                errors.append(
                    _message(
                        row,
                        "employee_number",
                        # Where the person works is not this officer's to see.
                        _(
                            "%(value)s belongs to a department you do not manage; "
                            "ask HR there to move the person."
                        )
                        % {"value": number},
                    )
                )
        if (
            existing is not None
            and not active
            and existing[1] == self.own_profile_id
            and existing[9]
        ):
            errors.append(
                _message(
                    row,
                    "status",
                    _(
                        "You cannot record yourself as a leaver; ask another HR "
                        "officer."
                    ),
                )
            )
        label = self._department_label(department)
        if errors:
            plan.counts["errors"] += len(errors)
            plan.lines.append([row, number, name, label, "error", [], errors])
            return
        if existing is None:
            plan.counts["create"] += 1
            plan.creates.append(
                (
                    row,
                    number,
                    name,
                    department,
                    position,
                    rank,
                    hire_date,
                    email,
                    phone,
                    active,
                )
            )
            plan.lines.append([row, number, name, label, "create", [], []])
            return
        self._update(
            row,
            existing,
            label,
            values=(name, department, position, rank, hire_date, email, phone),
            active=active,
        )

    def _department_label(self, department: int | str | None) -> int | str:
        """How the report names a department: its id (the screens show its path of
        names in the reader's language, see learning.roster.report), or the path
        of a department the import creates."""
        if department is None:
            return ""
        if isinstance(department, str):
            return self.plan.new_departments[department].path_label
        return department

    def _update(self, row, existing, label, *, values, active) -> None:
        """Compare a known person with their row; plan the fields that differ."""
        name, department, position, rank, hire_date, email, phone = values
        profile: dict[str, Any] = {}
        changes: list[list] = []
        if name != existing[3]:
            profile["full_name"] = name
            changes.append(["full_name", existing[3], name])
        if department != existing[4]:
            profile["department_id"] = department
            changes.append(
                [
                    "department",
                    self._department_label(existing[4]),
                    self._department_label(department),
                ]
            )
        # Positions and ranks by id: the screens show their titles.
        if position is not None and position != existing[5]:
            profile["position_id"] = position
            changes.append(["position", existing[5] or "", position])
        if rank is not None and rank != existing[6]:
            profile["rank_id"] = rank
            changes.append(["rank", existing[6] or "", rank])
        if hire_date is not None and hire_date != existing[7]:
            profile["hire_date"] = hire_date
            old = existing[7].isoformat() if existing[7] else ""
            changes.append(["hire_date", old, hire_date.isoformat()])
        user: dict[str, Any] = {}
        if phone and phone != existing[8]:
            profile["phone"] = phone
            changes.append(["phone", existing[8], phone])
        protected = existing[2] in self.above
        if protected and (
            (email and email != existing[10]) or active != existing[9]
        ):
            self._protected_error(row, existing, label)
            return
        if email and email != existing[10]:
            self.plan.emails.append((existing[2], email))
            changes.append(["email", existing[10], email])
        if "full_name" in profile:
            user["first_name"] = profile["full_name"][:150]
        if active != existing[9]:
            profile["is_active"] = user["is_active"] = active
            profile["left_on"] = None if active else _today()
            changes.append(
                [
                    "status",
                    "active" if existing[9] else "left",
                    "active" if active else "left",
                ]
            )
        if not active and not existing[9]:
            action = "update" if changes else "unchanged"
        elif active and not existing[9]:
            action = "reactivate"
        elif not active:
            action = "deactivate"
        elif "department_id" in profile:
            action = "move"
        else:
            action = "update" if changes else "unchanged"
        self.plan.counts[action] += 1
        if action == "unchanged":
            return
        self.plan.updates.append((existing[1], existing[2], profile, user, action))
        self.plan.lines.append(
            [row, existing[0], existing[3], label, action, changes, []]
        )

    def _protected_error(self, row: int | None, existing: tuple, label: str) -> None:
        self.plan.counts["errors"] += 1
        self.plan.lines.append(
            [
                row,
                existing[0],
                existing[3],
                label,
                "error",
                [],
                [
                    _(
                        "This person's account holds powers (a role, group or "
                        "scope) that you do not hold over them, so a roster you "
                        "import may not change their e-mail address or record them "
                        "as a leaver. Ask a site administrator, or leave the row as "
                        "it is."
                    )
                ],
            ]
        )

    def missing_people(self) -> None:
        """A full roster: active people in scope who are not in the file leave."""
        in_scope = list(
            self.scope.profiles()
            .filter(is_active=True)
            .values_list("employee_number", "pk")
        )
        self.plan.in_scope_active = len(in_scope)
        for number, profile_id in in_scope:
            key = rules.employee_number_key(number)
            if key in self.seen:
                continue
            existing = self.people[key]
            if profile_id == self.own_profile_id:
                self.plan.counts["errors"] += 1
                self.plan.lines.append(
                    [
                        None,
                        number,
                        existing[3],
                        self._department_label(existing[4]),
                        "error",
                        [],
                        [
                            _(
                                "You are not in the file, so a full roster would "
                                "record you as a leaver. Add your own row."
                            )
                        ],
                    ]
                )
                continue
            if existing[2] in self.above:
                label = self._department_label(existing[4])
                self._protected_error(None, existing, label)
                continue
            self.plan.counts["deactivate"] += 1
            self.plan.updates.append(
                (
                    profile_id,
                    existing[2],
                    {"is_active": False, "left_on": _today()},
                    {"is_active": False},
                    "deactivate",
                )
            )
            self.plan.lines.append(
                [
                    None,
                    number,
                    existing[3],
                    self._department_label(existing[4]),
                    "deactivate",
                    [["status", "active", "left"]],
                    [],
                ]
            )

    def account_clashes(self) -> None:
        """New people whose employee number is already someone else's sign-in name."""
        taken = rules.usernames_taken(
            [create[1] for create in self.plan.creates], batch=BATCH
        )
        if not taken:
            return
        by_number = {line[1]: line for line in self.plan.lines if line[4] == "create"}
        kept = []
        for create in self.plan.creates:
            if create[1] not in taken:
                kept.append(create)
                continue
            line = by_number[create[1]]
            line[4] = "error"
            line[6].extend(
                _message(create[0], "employee_number", message)
                for message in rules.account_clash_error(create[1]).messages
            )
            self.plan.counts["create"] -= 1
            self.plan.counts["errors"] += 1
        self.plan.creates = kept


def _today() -> datetime.date:
    return timezone.localdate()


def _plan(
    *,
    scope: _Scope,
    content: bytes,
    file_name: str,
    full_roster: bool,
    create_departments: bool,
    on_row: Callable[[int], None] | None = None,
) -> tuple[_Plan, RosterTable]:
    """The one function that decides what an import does, for the dry run and the
    apply alike."""
    table = roster_read(content=content, file_name=file_name)
    planner = _Planner(
        scope=scope, columns=table.columns, create_departments=create_departments
    )
    for number, cells in table.rows:
        planner.row(number, cells)
        if on_row is not None and planner.plan.total_rows % 5000 == 0:
            on_row(planner.plan.total_rows)
    planner.account_clashes()
    if full_roster:
        planner.missing_people()
    return planner.plan, table


def _report(plan: _Plan, table: RosterTable, *, scope: _Scope) -> dict:
    counts = {action: plan.counts[action] for action in ACTIONS}
    counts["errors"] = plan.counts["errors"]
    return {
        "scope": "organisation" if scope.actor is None else "user",
        "counts": counts,
        "columns": table.columns,
        "ignored_columns": table.ignored_columns,
        "encoding": table.decoded_as,
        "header_row": table.header_row,
        "skipped_lines": table.skipped_lines,
        "in_scope_active": plan.in_scope_active,
        "new_departments": [
            {"code": d.code, "path": d.path_label}
            for d in plan.new_departments.values()
        ],
        # [row, employee number, name, department, action, changes, errors]; rows
        # that change nothing are counted, not listed. Departments, positions and
        # ranks are ids (a new department: its path); statuses "active"/"left".
        "lines": plan.lines,
    }
