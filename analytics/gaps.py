"""The department × competency gaps: who meets the level their position requires.

Counted in SQL, shaped in pandas. A person's target comes from
learning.targets.selectors.targets_resolved (the rule /me/competencies/ uses); their
level is the current official level in force (assessments.selectors.level_in_force_q,
so expired evidence does not count). Gap = target − level, only where the level is
below the target. Only active people with a position (and so possibly a target) are
counted; a cell's `people` are those with a target in that competency.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, F, Max
from django.http import Http404
from django.utils.translation import gettext as _

from analytics.scope import DashboardScope
from assessments.models import Competency, CompetencyLevel, Evidence
from assessments.selectors import evidence_counts_at_q, level_in_force_q
from learning.organisation.models import Department, LearnerProfile
from learning.targets.selectors import targets_resolved

BY_COMPETENCY = "competency"
BY_AREA = "area"

_COUNT_COLUMNS = [
    "department_id",
    "path",
    "competency_id",
    "people",
    "met",
    "shortfall",
]


def _people_pairs(department: Department) -> pd.DataFrame:
    """Active people with a position in the subtree, counted per (unit, position)."""
    rows = (
        LearnerProfile.objects.filter(is_active=True, position__isnull=False)
        .filter(Department.subtree_q([department], "department__"))
        .values("department_id", "position_id")
        .annotate(path=F("department__path"), n=Count("pk"))
        .values_list("department_id", "path", "position_id", "n")
        .order_by()
    )
    return pd.DataFrame(
        list(rows), columns=["department_id", "path", "position_id", "n"]
    )


def _levels_held(
    department: Department,
    competency_ids: list[int],
    *,
    now: datetime.datetime,
    past: bool,
) -> pd.DataFrame:
    """People per (unit, position, competency, level ≥ 1) in the subtree: the
    stored current levels in force, or for a `past` moment the level rule applied
    to the evidence that counted then (assessments.selectors.evidence_counts_at_q).
    One query."""
    prefix = "learner__learner_profile__"
    columns = ["department_id", "position_id", "competency_id", "level", "n"]
    people = {f"{prefix}is_active": True, f"{prefix}position__isnull": False}
    in_subtree = Department.subtree_q([department], f"{prefix}department__")
    if not past:
        return pd.DataFrame(
            list(
                CompetencyLevel.objects.filter(
                    level_in_force_q(now),
                    in_subtree,
                    level__gt=0,
                    competency_id__in=competency_ids,
                    **people,
                )
                .values(
                    f"{prefix}department_id",
                    f"{prefix}position_id",
                    "competency_id",
                    "level",
                )
                .annotate(n=Count("pk"))
                .values_list(
                    f"{prefix}department_id",
                    f"{prefix}position_id",
                    "competency_id",
                    "level",
                    "n",
                )
                .order_by()
            ),
            columns=columns,
        )
    held = pd.DataFrame(
        list(
            Evidence.objects.filter(
                evidence_counts_at_q(now),
                in_subtree,
                level__gt=0,
                competency_id__in=competency_ids,
                **people,
            )
            .values(
                f"{prefix}department_id",
                f"{prefix}position_id",
                "learner_id",
                "competency_id",
            )
            .annotate(top=Max("level"))
            .values_list(
                f"{prefix}department_id",
                f"{prefix}position_id",
                "competency_id",
                "top",
            )
            .order_by()
        ),
        columns=columns[:4],
    )
    if held.empty:
        return pd.DataFrame(columns=columns)
    return held.groupby(columns[:4]).size().rename("n").reset_index()


def gap_counts(
    department: Department, *, now: datetime.datetime, past: bool = False
) -> pd.DataFrame:
    """Per (unit, competency) in the subtree of `department`: `people` with a
    target, how many `met` it, and the summed `shortfall` of those below — now,
    or with `past`, as the evidence stood at the moment `now` (for a report on an
    earlier month; people and targets are today's). Three queries (people,
    targets, levels) whatever the size of the organisation."""
    people = _people_pairs(department)
    if people.empty:
        return pd.DataFrame(columns=_COUNT_COLUMNS)
    need = people.merge(targets_resolved(people), on=["path", "position_id"])
    if need.empty:
        return pd.DataFrame(columns=_COUNT_COLUMNS)
    competency_ids = [int(c) for c in need["competency_id"].unique()]
    levels = _levels_held(department, competency_ids, now=now, past=past)
    keys = ["department_id", "position_id", "competency_id"]
    if not levels.empty:
        held = levels.merge(need[[*keys, "required_level"]], on=keys)
        below = held["level"] < held["required_level"]
        held = held.assign(
            met=held["n"].where(~below, 0),
            short=(held["n"] * (held["required_level"] - held["level"])).where(
                below, 0
            ),
        )
        held = (
            held.groupby(keys)[["n", "met", "short"]]
            .sum()
            .rename(columns={"n": "with_level"})
            .reset_index()
        )
        need = need.merge(held, on=keys, how="left")
    for column in ("with_level", "met", "short"):
        if column not in need:
            need[column] = 0
        need[column] = need[column].fillna(0).astype("int64")
    # People with no level in force hold 0: their whole target is the shortfall.
    need["shortfall"] = need["short"] + (need["n"] - need["with_level"]) * need[
        "required_level"
    ].astype("int64")
    need = need.rename(columns={"n": "people"})
    return (
        need.groupby(["department_id", "path", "competency_id"])[
            ["people", "met", "shortfall"]
        ]
        .sum()
        .reset_index()
    )


@dataclass
class GapCell:
    """One cell: `people` with a target, `met` at or above it, `shortfall` summed
    over those below. `hidden` when the viewer may not see a figure this small."""

    people: int = 0
    met: int = 0
    shortfall: int = 0
    hidden: bool = False

    @property
    def below(self) -> int:
        return self.people - self.met

    @property
    def share(self) -> float | None:
        return self.met / self.people if self.people else None

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None or self.hidden else round(100 * share)

    @property
    def mean_shortfall(self) -> float | None:
        return self.shortfall / self.below if self.below else None

    @property
    def tone(self) -> str:
        """A colour class in five steps (a colour-blind-safe sequential palette
        in the stylesheet); the number is always printed too."""
        if self.hidden or self.share is None:
            return "none"
        return f"q{min(int(self.share * 5), 4)}"


@dataclass
class HeatRow:
    department: Department
    unit_only: bool
    cells: list[GapCell]
    total: GapCell
    columns: list[Competency] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[Competency, GapCell]]:
        return list(zip(self.columns, self.cells, strict=True))

    @property
    def sort_key(self) -> tuple[float, str]:
        share = self.total.share
        return (
            2.0 if share is None or self.total.hidden else share,
            self.department.path,
        )


@dataclass
class Heatmap:
    by: str
    columns: list[Competency]
    rows: list[HeatRow] = field(default_factory=list)
    total: list[GapCell] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(cell.people for cell in self.total)


def competency_columns(frame: pd.DataFrame, by: str) -> tuple[list[Competency], dict]:
    """The columns (competencies with a target in the frame, or their areas) in
    framework order, and a map competency id → column id."""
    ids = [int(c) for c in frame["competency_id"].unique()] if len(frame) else []
    competencies = list(
        Competency.objects.filter(pk__in=ids).select_related("framework")
    )
    if by == BY_COMPETENCY:
        columns = sorted(competencies, key=lambda c: (c.framework_id, c.path))
        return columns, {c.pk: c.pk for c in competencies}
    area_paths = {c.path[: Competency.steplen] for c in competencies}
    areas = {
        a.path: a
        for a in Competency.objects.filter(path__in=area_paths).select_related(
            "framework"
        )
    }
    columns = sorted(areas.values(), key=lambda c: (c.framework_id, c.path))
    return columns, {c.pk: areas[c.path[: Competency.steplen]].pk for c in competencies}


def heatmap(
    scope: DashboardScope, *, by: str = BY_COMPETENCY, frame: pd.DataFrame | None = None
) -> Heatmap:
    """The breakdown rows of the scope × competencies (or areas), each cell the
    share at target and the mean shortfall of those below; rows worst first
    (hidden and empty rows last). Five queries."""
    if by not in (BY_COMPETENCY, BY_AREA):
        raise Http404(_("Unknown breakdown."))
    if frame is None:
        frame = gap_counts(scope.department, now=scope.now, past=scope.past)
    columns, column_of = competency_columns(frame, by)
    result = Heatmap(by=by, columns=columns)
    if frame.empty:
        result.total = [GapCell() for _column in columns]
        return result
    frame = frame.assign(
        bucket=frame["path"].map(scope.bucket_of),
        column=frame["competency_id"].map(column_of),
    )
    grouped = frame.groupby(["bucket", "column"])[["people", "met", "shortfall"]].sum()
    cells = {
        key: GapCell(int(r.people), int(r.met), int(r.shortfall))
        for key, r in zip(grouped.index, grouped.itertuples(), strict=True)
    }
    rows = dict((department.path, department) for department, _u in scope.rows)
    # Competencies of each row with a figure too small for this viewer: an area
    # cell holding one would give it away by subtraction, so it is hidden too.
    small: dict[str, set[int]] = {}
    for (bucket, cid), people in (
        frame.groupby(["bucket", "competency_id"])["people"].sum().items()
    ):
        if bucket in rows and scope.suppressed(rows[bucket], int(people)):
            small.setdefault(bucket, set()).add(column_of[cid])
    for department, unit_only in scope.rows:
        row_cells = []
        total = GapCell()
        for column in columns:
            cell = cells.get((department.path, column.pk), GapCell())
            cell.hidden = column.pk in small.get(department.path, set())
            total.people += cell.people
            total.met += cell.met
            total.shortfall += cell.shortfall
            row_cells.append(cell)
        total.hidden = scope.suppressed(department, total.people)
        if unit_only and not total.people:
            continue  # nobody directly in the chosen unit has a target
        result.rows.append(HeatRow(department, unit_only, row_cells, total, columns))
    whole = frame.groupby("column")[["people", "met", "shortfall"]].sum()
    result.total = [
        GapCell(
            int(whole.at[column.pk, "people"]),
            int(whole.at[column.pk, "met"]),
            int(whole.at[column.pk, "shortfall"]),
            hidden=scope.suppressed(
                scope.department, int(whole.at[column.pk, "people"])
            ),
        )
        if column.pk in whole.index
        else GapCell()
        for column in columns
    ]
    _complementary(result)
    result.rows.sort(key=lambda row: row.sort_key)
    return result


def _complementary(result: Heatmap) -> None:
    """Hide enough more figures that no hidden one can be worked out by
    subtraction: a row's total when any of its cells is hidden; in a column (and
    among row totals) with exactly one hidden figure, the next smallest one too,
    or the column's total when there is no other."""

    def one_more(figures: list[GapCell], total: GapCell | None) -> None:
        hidden = [f for f in figures if f.hidden and f.people]
        if len(hidden) != 1:
            return
        shown = [f for f in figures if not f.hidden and f.people]
        if shown:
            min(shown, key=lambda f: f.people).hidden = True
        elif total is not None:
            total.hidden = True

    for row in result.rows:
        row.total.hidden = row.total.hidden or any(c.hidden for c in row.cells)
    for index, total in enumerate(result.total):
        one_more([row.cells[index] for row in result.rows], total)
    for row in result.rows:
        row.total.hidden = row.total.hidden or any(c.hidden for c in row.cells)
    one_more([row.total for row in result.rows], None)


@dataclass(frozen=True)
class LargestGap:
    competency: Competency
    cell: GapCell


def largest_gaps(result: Heatmap, *, limit: int = 3) -> list[LargestGap]:
    """Of a by-competency heatmap, the competencies where most people are below
    target (ties: the larger mean shortfall first)."""
    ranked = sorted(
        (
            LargestGap(column, cell)
            for column, cell in zip(result.columns, result.total, strict=True)
            if cell.below
        ),
        key=lambda gap: (-gap.cell.below, -(gap.cell.mean_shortfall or 0)),
    )
    return ranked[:limit]


@dataclass(frozen=True)
class PersonGap:
    profile: LearnerProfile
    competency: Competency
    level: int
    target: int
    evidence_at: datetime.datetime | None

    @property
    def gap(self) -> int:
        return self.target - self.level


def gap_people(
    scope: DashboardScope,
    *,
    department: Department,
    unit_only: bool,
    competency: Competency,
) -> list[PersonGap]:
    """The people of one heatmap cell below target, biggest gap first: in the
    department (its subtree unless `unit_only`), for the competency or, for an
    area, each of its competences. Four queries."""
    if not department.path.startswith(scope.department.path):
        raise Http404(_("No such department in your scope."))
    competencies = {
        c.pk: c for c in Competency.objects.filter(path__startswith=competency.path)
    }
    people = LearnerProfile.objects.filter(is_active=True, position__isnull=False)
    if unit_only:
        people = people.filter(department=department)
    else:
        people = people.filter(Department.subtree_q([department], "department__"))
    profiles = list(people.select_related("department", "position").order_by("pk"))
    if not profiles:
        return []
    pairs = pd.DataFrame(
        {
            "path": [p.department.path for p in profiles],
            "position_id": [p.position_id for p in profiles],
        }
    ).drop_duplicates()
    targets = targets_resolved(pairs)
    targets = targets[targets["competency_id"].isin(list(competencies))]
    wanted: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for row in targets.itertuples():
        wanted.setdefault((row.path, int(row.position_id)), []).append(
            (int(row.competency_id), int(row.required_level))
        )
    levels: dict[tuple[int, int], tuple[int, datetime.datetime | None]] = {
        (learner_id, cid): (level, observed_at)
        for learner_id, cid, level, observed_at in CompetencyLevel.objects.filter(
            level_in_force_q(scope.now),
            competency_id__in=list(competencies),
            learner_id__in=[p.user_id for p in profiles],
        ).values_list("learner_id", "competency_id", "level", "evidence__observed_at")
    }
    result = []
    for profile in profiles:
        position = profile.position_id or 0
        for cid, target in wanted.get((profile.department.path, position), []):
            held = levels.get((profile.user_id, cid))
            level = held[0] if held else 0
            if level < target:
                result.append(
                    PersonGap(
                        profile,
                        competencies[cid],
                        level,
                        target,
                        held[1] if held else None,
                    )
                )
    result.sort(
        key=lambda g: (-g.gap, g.profile.department.path, g.profile.employee_number)
    )
    return result
