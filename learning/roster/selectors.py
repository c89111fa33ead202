"""Reads for the roster screens and the downloadable report: a report's lines in HR's
words, in the reader's language. The stored report names departments, positions and
ranks by id and statuses as "active"/"left" (see planning._report); here they become
the department's path of names (清溪县/行政审批服务局/窗口服务科), the position's
title and 在职/离职 (Active/Left)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from learning.organisation.models import Department, Position, Rank
from learning.roster.reading import COLUMN_LABELS

ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "update": gettext_lazy("Updated"),
    "move": gettext_lazy("Moved"),
    "deactivate": gettext_lazy("Leaver"),
    "reactivate": gettext_lazy("Returns"),
    "unchanged": gettext_lazy("Unchanged"),
    "error": gettext_lazy("Error"),
}


STATUS_LABELS = {
    "active": gettext_lazy("Active (在职)"),
    "left": gettext_lazy("Left (离职)"),
}


class _Names:
    """Labels for the ids a page of lines names, loaded in at most four queries."""

    def __init__(self, lines: list[list]) -> None:
        departments: set[int] = set()
        positions: set[int] = set()
        ranks: set[int] = set()
        for line in lines:
            if isinstance(line[3], int):
                departments.add(line[3])
            for column, old, new in line[5]:
                ids = [v for v in (old, new) if isinstance(v, int)]
                if column == "department":
                    departments.update(ids)
                elif column == "position":
                    positions.update(ids)
                elif column == "rank":
                    ranks.update(ids)
        self.departments = self._paths(departments)
        # Positions and ranks are short lists: read whole, whatever a report names.
        self.positions = (
            {p.pk: str(p) for p in Position.objects.all()} if positions else {}
        )
        self.ranks = {r.pk: str(r) for r in Rank.objects.all()} if ranks else {}

    @staticmethod
    def _paths(ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        step = Department.steplen
        fields = ("path", "name", "name_en")
        if len(ids) > 500:
            # A whole report (the download) may name thousands: read the tree once
            # rather than send thousands of ids.
            tree = list(Department.objects.only(*fields))
            found = [d for d in tree if d.pk in ids]
        else:
            found = list(Department.objects.filter(pk__in=ids).only("path"))
            prefixes = {
                d.path[: step * depth]
                for d in found
                for depth in range(1, len(d.path) // step + 1)
            }
            tree = list(Department.objects.filter(path__in=prefixes).only(*fields))
        names = {d.path: d.display_name for d in tree}
        return {
            d.pk: "/".join(
                names.get(d.path[: step * depth], "?")
                for depth in range(1, len(d.path) // step + 1)
            )
            for d in found
        }

    def value(self, column: str, value: Any) -> str:
        if value in ("", None):
            return ""
        if column == "status":
            return str(STATUS_LABELS.get(value, value))
        if not isinstance(value, int):  # a new department's path, an old code
            return str(value)
        table = {
            "department": self.departments,
            "position": self.positions,
            "rank": self.ranks,
        }.get(column)
        if table is None:
            return str(value)
        return table.get(value, _("(deleted)"))


def roster_report_lines(lines: list[list]) -> list[dict]:
    """`lines` of a stored report as the screens and the download show them: row,
    employee number, name, department path, action and its label, changes
    ({field, old, new} in words) and errors. At most four queries, whatever the
    number of lines."""
    names = _Names(lines)
    return [
        {
            "row": row,
            "employee_number": number,
            "name": name,
            "department": names.value("department", department),
            "action": action,
            "action_label": ACTION_LABELS.get(action, action),
            "changes": [
                {
                    "field": COLUMN_LABELS.get(column, column),
                    "old": names.value(column, old),
                    "new": names.value(column, new),
                }
                for column, old, new in changes
            ],
            "errors": errors,
        }
        for row, number, name, department, action, changes, errors in lines
    ]


def roster_report_table(lines: list[list]) -> tuple[list[str], Iterable[list]]:
    """The report as a sheet (header and rows) for the download: the same words as
    the screen, one row per line."""
    header = [
        _("Row"),
        _("Employee number"),
        pgettext("person", "Name"),
        _("Department"),
        _("Action"),
        _("Changes or errors"),
    ]
    rows = (
        [
            line["row"] or "",
            line["employee_number"],
            line["name"],
            line["department"],
            str(line["action_label"]),
            "\n".join(
                [*line["errors"]]
                + [
                    f"{change['field']}: {change['old'] or '—'} → "
                    f"{change['new'] or '—'}"
                    for change in line["changes"]
                ]
            ),
        ]
        for line in roster_report_lines(lines)
    )
    return header, rows
