"""The leadership report as an A4 PDF, drawn with ReportLab's platypus.

Every glyph, Latin or Chinese, is set in Noto Sans SC, a TrueType font that
`make setup` copies from npm into analytics/fonts and ReportLab embeds as a subset:
the file renders the same in any viewer, with no font supplied by the reader (the
certificate's non-embedded CID font would not). No base-14 font is ever used, not
even the canvas's initial one.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from analytics.gaps import GapCell, Heatmap
from analytics.report import LeadershipReport
from learning.pdf_fonts import (
    FONT,
    FONT_BOLD,
    PdfFontMissing,
    fonts_register,
)

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
NAVY = colors.HexColor("#0b4f6c")
RULE = colors.HexColor("#cbd2d9")
# Orange → purple (ColorBrewer PuOr, 5 classes): told apart under the common
# colour-vision deficiencies; the worst share is the strongest orange.
TONES = {
    "q0": colors.HexColor("#e66101"),
    "q1": colors.HexColor("#fdb863"),
    "q2": colors.HexColor("#f7f7f7"),
    "q3": colors.HexColor("#b2abd2"),
    "q4": colors.HexColor("#5e3c99"),
    "none": colors.white,
}
LIGHT_TEXT_TONES = {"q0", "q4"}


# The report's font error, under the name its screen catches.
ReportFontMissing = PdfFontMissing


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=FONT,
        bulletFontName=FONT,
        fontSize=9.5,
        leading=14,
        textColor=INK,
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=18,
            leading=24,
            textColor=NAVY,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=14, textColor=MUTED
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12.5,
            leading=17,
            textColor=NAVY,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=10, bulletIndent=0, spaceAfter=2
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle(
            "head",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=9.5,
            alignment=TA_CENTER,
        ),
        "figure": ParagraphStyle(
            "figure",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            textColor=NAVY,
        ),
        "label": ParagraphStyle(
            "label", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED
        ),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, leading=10, textColor=MUTED
        ),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _dash(value: object, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _table_style(*extra) -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, NAVY),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            *extra,
        ]
    )


def _headline(report: LeadershipReport, styles) -> Table:
    h = report.headline
    figures = [
        (_("Staff"), f"{h.staff:,}"),
        (_("Mandatory training complete"), _dash(h.compliance_percent, "%")),
        (_("Overdue"), f"{h.overdue:,}"),
        (
            _("Median study hours (of %(required)s)")
            % {"required": f"{h.hours_required:g}"},
            _dash(h.hours_median),
        ),
        (_("On pace for the year"), _dash(h.on_pace_percent, "%")),
        (_("Competency targets met"), _dash(h.targets_met_percent, "%")),
    ]
    cells = [
        [_p(value, styles["figure"]), _p(label, styles["label"])]
        for label, value in figures
    ]
    rows = [cells[:3], cells[3:]]
    width = (A4[0] - 30 * mm) / 3
    table = Table(rows, colWidths=[width] * 3)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _heat_text(cell: GapCell) -> str:
    if cell.hidden:
        return "—"
    if cell.percent is None:
        return ""
    text = f"{cell.percent}%"
    if cell.mean_shortfall is not None:
        text += f"\n−{cell.mean_shortfall:.1f}"
    return text


def _heatmap(heat: Heatmap, styles) -> list[Flowable]:
    if heat.empty:
        return [
            _p(_("No competency targets are set for these people."), styles["body"])
        ]
    unit_width = 46 * mm
    rest = A4[0] - 30 * mm - unit_width
    per_column = rest / (len(heat.columns) + 1)
    header = [_p(_("Unit"), styles["head"])]
    header += [_p(column.display_name, styles["head"]) for column in heat.columns]
    header.append(_p(_("All areas"), styles["head"]))
    data: list[list] = [header]
    commands: list[tuple] = [
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("LINEAFTER", (-2, 0), (-2, -1), 0.8, NAVY),
    ]
    for r, row in enumerate(heat.rows, start=1):
        label = row.department.display_name
        if row.unit_only:
            label = _("%(unit)s (the unit itself)") % {"unit": label}
        line = [_p(label, styles["cell"])]
        for c, cell in enumerate([*row.cells, row.total], start=1):
            line.append(_heat_text(cell))
            tone = cell.tone
            commands.append(("BACKGROUND", (c, r), (c, r), TONES[tone]))
            if tone in LIGHT_TEXT_TONES:
                commands.append(("TEXTCOLOR", (c, r), (c, r), colors.white))
        data.append(line)
    total_row = [_p(_("All units"), styles["cell"])]
    everyone = GapCell()
    for c, cell in enumerate(heat.total, start=1):
        total_row.append(_heat_text(cell))
        commands.append(
            ("BACKGROUND", (c, len(data)), (c, len(data)), TONES[cell.tone])
        )
        if cell.tone in LIGHT_TEXT_TONES:
            commands.append(("TEXTCOLOR", (c, len(data)), (c, len(data)), colors.white))
        everyone.people += cell.people
        everyone.met += cell.met
        everyone.shortfall += cell.shortfall
    total_row.append(_heat_text(everyone))
    last = len(data)
    commands += [
        ("BACKGROUND", (-1, last), (-1, last), TONES[everyone.tone]),
        ("LINEABOVE", (0, last), (-1, last), 0.8, NAVY),
        ("FONTNAME", (0, last), (-1, last), FONT_BOLD),
    ]
    if everyone.tone in LIGHT_TEXT_TONES:
        commands.append(("TEXTCOLOR", (-1, last), (-1, last), colors.white))
    data.append(total_row)
    table = Table(
        data,
        colWidths=[unit_width] + [per_column] * (len(heat.columns) + 1),
        repeatRows=1,
    )
    table.setStyle(_table_style(*commands, ("LEADING", (1, 1), (-1, -1), 9.5)))
    legend = Table(
        [
            [
                _("Share at target:"),
                "< 20%",
                "20–39%",
                "40–59%",
                "60–79%",
                "≥ 80%",
                "— " + _("fewer than 3 people"),
            ]
        ],
        colWidths=[28 * mm] + [18 * mm] * 5 + [40 * mm],
    )
    legend.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (1, 0), (5, 0), "CENTER"),
                *[
                    ("BACKGROUND", (i + 1, 0), (i + 1, 0), TONES[f"q{i}"])
                    for i in range(5)
                ],
                ("TEXTCOLOR", (1, 0), (1, 0), colors.white),
                ("TEXTCOLOR", (5, 0), (5, 0), colors.white),
            ]
        )
    )
    note = _(
        "Each cell: the share of people at or above their target level in the area; "
        "below it, the mean shortfall (levels) of those below target."
    )
    return [
        table,
        Spacer(1, 3 * mm),
        legend,
        Spacer(1, 1 * mm),
        _p(note, styles["note"]),
    ]


def _gaps(report: LeadershipReport, styles) -> list[Flowable]:
    if not report.gaps:
        return [_p(_("Nobody is below a competency target."), styles["body"])]
    data: list[list] = [
        [
            _p(_("Competency"), styles["head"]),
            _p(_("Below target"), styles["head"]),
            _p(_("Mean shortfall"), styles["head"]),
            _p(_("Recommended courses"), styles["head"]),
        ]
    ]
    for gap in report.gaps:
        courses = "; ".join(
            _("%(title)s (level %(level)s)")
            % {"title": course.title, "level": course.level}
            for course in gap.courses
        ) or _("No course yet")
        data.append(
            [
                _p(
                    f"{gap.competency.code} {gap.competency.display_name}",
                    styles["cell"],
                ),
                _("%(below)s of %(people)s")
                % {
                    "below": gap.cell.below,
                    "people": gap.cell.people,
                },
                _dash(
                    None
                    if gap.cell.mean_shortfall is None
                    else f"{gap.cell.mean_shortfall:.1f}"
                ),
                _p(courses, styles["cell"]),
            ]
        )
    table = Table(data, colWidths=[58 * mm, 25 * mm, 22 * mm, 75 * mm], repeatRows=1)
    table.setStyle(_table_style(("ALIGN", (1, 1), (2, -1), "CENTER")))
    return [table]


def _overdue(report: LeadershipReport, styles) -> list[Flowable]:
    if not report.overdue_units:
        return [_p(_("No unit has anyone overdue."), styles["body"])]
    data: list[list] = [
        [
            _p(_("Unit"), styles["head"]),
            _p(_("Assigned"), styles["head"]),
            _p(_("Overdue"), styles["head"]),
            _p(_("Completion"), styles["head"]),
        ]
    ]
    for unit in report.overdue_units:
        label = unit.department.display_name
        if unit.unit_only:
            label = _("%(unit)s (the unit itself)") % {"unit": label}
        data.append(
            [
                _p(label, styles["cell"]),
                f"{unit.assigned:,}",
                f"{unit.overdue:,}",
                _dash(unit.completion_percent, "%"),
            ]
        )
    table = Table(data, colWidths=[90 * mm, 30 * mm, 30 * mm, 30 * mm], repeatRows=1)
    table.setStyle(_table_style(("ALIGN", (1, 1), (-1, -1), "CENTER")))
    return [table]


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _trend_chart(report: LeadershipReport) -> Drawing | None:
    """Two lines over the months, 0–100 %: training complete and targets met. The
    table under it holds the same numbers."""
    points = report.trends
    series = [
        (
            _("Mandatory training complete"),
            NAVY,
            [p.compliance_percent for p in points],
        ),
        (
            _("Competency targets met"),
            TONES["q0"],
            [p.targets_met_percent for p in points],
        ),
    ]
    lines = [
        [(i, value) for i, value in enumerate(values) if value is not None]
        for _label, _colour, values in series
    ]
    if not any(len(line) > 1 for line in lines):
        return None
    width, height = A4[0] - 30 * mm, 52 * mm
    drawing = Drawing(width, height)
    # The renderer starts every drawing in its default font (Times-Roman, never
    # embedded) unless the drawing names its own.
    drawing.initialFontName = FONT
    drawing.initialFontSize = 7
    plot = LinePlot()
    plot.x, plot.y = 12 * mm, 10 * mm
    plot.width, plot.height = width - 16 * mm, height - 20 * mm
    plot.data = [line or [(0, 0)] for line in lines]
    for index, (_label, colour, _values) in enumerate(series):
        plot.lines[index].strokeColor = colour if lines[index] else colors.white
        plot.lines[index].strokeWidth = 1.6
        plot.lines[index].symbol = makeMarker("FilledCircle", size=3)
        plot.lines[index].symbol.fillColor = colour
        plot.lines[index].symbol.strokeColor = colour
    plot.xValueAxis.valueMin = -0.3
    plot.xValueAxis.valueMax = max(len(points) - 1, 1) + 0.3
    plot.xValueAxis.valueSteps = list(range(len(points)))
    plot.xValueAxis.labelTextFormat = lambda i: (
        points[int(i)].month.strftime("%Y-%m") if 0 <= int(i) < len(points) else ""
    )
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
    plot.yValueAxis.valueSteps = [0, 25, 50, 75, 100]
    plot.yValueAxis.labelTextFormat = "%d%%"
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 6.5
        axis.labels.fillColor = MUTED
        axis.strokeColor = RULE
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = RULE
    drawing.add(plot)
    x = 12 * mm
    for label, colour, _values in series:
        drawing.add(
            Line(
                x,
                height - 4 * mm,
                x + 6 * mm,
                height - 4 * mm,
                strokeColor=colour,
                strokeWidth=1.6,
            )
        )
        drawing.add(
            String(
                x + 8 * mm,
                height - 5.3 * mm,
                label,
                fontName=FONT,
                fontSize=7,
                fillColor=INK,
            )
        )
        x += 8 * mm + pdfmetrics.stringWidth(label, FONT, 7) + 8 * mm
    return drawing


def _trends(report: LeadershipReport, styles) -> list[Flowable]:
    if not report.trends:
        return [
            _p(
                _("No monthly figures yet: they start with the first daily snapshot."),
                styles["body"],
            )
        ]
    data: list[list] = [
        [
            _p(_("Month"), styles["head"]),
            _p(_("Staff"), styles["head"]),
            _p(_("Mandatory training complete"), styles["head"]),
            _p(_("Competency targets met"), styles["head"]),
            _p(_("Study hours per person"), styles["head"]),
        ]
    ]
    for point in report.trends:
        data.append(
            [
                point.month.strftime("%Y-%m"),
                f"{point.staff:,}",
                _percent_text(point.compliance_percent),
                _percent_text(point.targets_met_percent),
                _dash(
                    None
                    if point.hours_per_person is None
                    else f"{point.hours_per_person:.1f}"
                ),
            ]
        )
    table = Table(
        data, colWidths=[30 * mm, 25 * mm, 45 * mm, 40 * mm, 40 * mm], repeatRows=1
    )
    table.setStyle(_table_style(("ALIGN", (0, 1), (-1, -1), "CENTER")))
    chart = _trend_chart(report)
    return ([chart, Spacer(1, 2 * mm)] if chart else []) + [table]


def report_pdf(report: LeadershipReport) -> bytes:
    """The report as A4 pages: headline figures, what the numbers say, the heatmap
    (competency areas × units), twelve-month trends, the largest gaps with courses,
    the units most overdue. Fonts embedded (subset)."""
    fonts_register()
    styles = _styles()
    buffer = BytesIO()
    title = _("Leadership report: %(department)s, %(month)s") % {
        "department": report.department.display_name,
        "month": report.month_label,
    }
    site = str(settings.SITE_TITLE)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=site,
        subject=_("Leadership report"),
        lang=report.language or None,
        initialFontName=FONT,
        initialFontSize=9,
        pageCompression=1,
    )
    footer = f"{site} · {report.department.display_name} · {report.month_label}"

    def on_page(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(15 * mm, 9 * mm, footer)
        canvas.drawRightString(
            A4[0] - 15 * mm,
            9 * mm,
            _("Page %(page)s") % {"page": document.page},
        )
        canvas.restoreState()

    story: list[Flowable] = [
        _p(title, styles["title"]),
        _p(
            _("Figures as at %(date)s, for %(department)s and all its units.")
            % {
                "date": date_format(report.as_of, "DATE_FORMAT"),
                "department": report.department.display_name,
            },
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
        _headline(report, styles),
        _p(_("In brief"), styles["h2"]),
        *[
            Paragraph(escape(sentence), styles["bullet"], bulletText="•")
            for sentence in report.sentences
        ],
        _p(_("Competency targets met, by area and unit"), styles["h2"]),
        *_heatmap(report.heatmap, styles),
        KeepTogether(
            [_p(_("Twelve-month trends"), styles["h2"])] + _trends(report, styles)
        ),
        KeepTogether(
            [_p(_("Largest gaps and courses that close them"), styles["h2"])]
            + _gaps(report, styles)
        ),
        KeepTogether(
            [_p(_("Units with the most overdue assignments"), styles["h2"])]
            + _overdue(report, styles)
        ),
    ]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
