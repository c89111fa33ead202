"""Printable sheets of first sign-in codes, per department: a PDF of slips to cut
and hand out (county offices hand codes out on paper) and an XLSX workbook.

The PDF sets every glyph in Noto Sans SC, the TrueType font the leadership report
embeds (`make setup` copies it from npm into analytics/fonts). Sign-in sits beside
analytics, not above it, so it registers the same files itself instead of importing
the report's helper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from itertools import groupby
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from accounts.codes import IssuedCode
from assessments.spreadsheets import xlsx_bytes
from learning.pdf_fonts import FONT, FONT_BOLD, PdfFontMissing, fonts_register

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
NAVY = colors.HexColor("#0b4f6c")


# The sheets' font error, under the name their screens catch.
SheetFontMissing = PdfFontMissing


def signin_address() -> str:
    """The page where a code is used, as a person types it."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("accounts:first_signin")


def how_to_sign_in() -> str:
    return _(
        "Open %(address)s on a phone or computer, enter your employee number and "
        "this code, then choose your own password. The code works once, until the "
        "date shown; keep it to yourself. Afterwards sign in with your employee "
        "number and password."
    ) % {"address": signin_address()}


def _expires(code: IssuedCode) -> str:
    return date_format(timezone.localtime(code.expires_at), "DATETIME_FORMAT")


def by_department(issued: Iterable[IssuedCode]) -> list[tuple[str, list[IssuedCode]]]:
    """The codes grouped by department (its path), in department order."""
    ordered = sorted(issued, key=lambda c: (c.department_order, c.employee_number))
    return [
        (department, list(codes))
        for department, codes in groupby(ordered, key=lambda c: c.department)
    ]


XLSX_WIDTHS = (16, 16, 48, 16, 20, 40, 60)


def codes_xlsx(issued: Sequence[IssuedCode]) -> bytes:
    """One row per person, by department: name, employee number, department with
    its path, code, valid until, the sign-in address, how to sign in."""
    address = signin_address()
    how = how_to_sign_in()
    rows = (
        [
            code.full_name,
            code.employee_number,
            department,
            code.code,
            _expires(code),
            address,
            how,
        ]
        for department, codes in by_department(issued)
        for code in codes
    )
    return xlsx_bytes(
        rows,
        sheet_title=_("Sign-in codes"),
        header=[
            pgettext("code sheet", "Name"),
            _("Employee number"),
            _("Department"),
            _("Sign-in code"),
            _("Valid until"),
            _("Sign-in address"),
            _("How to sign in"),
        ],
        widths=XLSX_WIDTHS,
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13.5, textColor=INK
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=20,
            textColor=NAVY,
            spaceAfter=3 * mm,
        ),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8.5, leading=12, textColor=MUTED
        ),
        "name": ParagraphStyle(
            "name", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15
        ),
        "code": ParagraphStyle(
            "code",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=17,
            leading=22,
            textColor=NAVY,
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _slip(code: IssuedCode, department: str, styles) -> Table:
    left = [
        _p(code.full_name, styles["name"]),
        _p(
            _("Employee number: %(number)s") % {"number": code.employee_number},
            styles["body"],
        ),
        _p(department, styles["note"]),
    ]
    right = [
        _p(_("Sign-in code"), styles["note"]),
        _p(code.code, styles["code"]),
        _p(_("Valid until %(date)s") % {"date": _expires(code)}, styles["note"]),
    ]
    width = A4[0] - 30 * mm
    table = Table(
        [[left, right], [_p(how_to_sign_in(), styles["note"]), ""]],
        colWidths=[width * 0.58, width * 0.42],
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, MUTED, None, (3, 2)),
                ("SPAN", (0, 1), (1, 1)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def codes_pdf(issued: Sequence[IssuedCode]) -> bytes:
    """A4 pages of slips, one department after another (each on new pages), each
    slip with the name, employee number, department, code, expiry, the sign-in
    address and how to sign in, dashed to cut out. Fonts embedded (subset)."""
    fonts_register()
    styles = _styles()
    buffer = BytesIO()
    title = _("First sign-in codes")
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=str(settings.SITE_TITLE),
        lang=get_language() or None,
        initialFontName=FONT,
        initialFontSize=9,
    )
    story: list = []
    groups = by_department(issued)
    for index, (department, codes) in enumerate(groups):
        if index:
            story.append(PageBreak())
        story.append(_p(f"{title} · {department}", styles["title"]))
        story.append(
            _p(
                _(
                    "%(count)d people. Cut along the dashed lines and hand each "
                    "person their own slip; the codes are shown nowhere else."
                )
                % {"count": len(codes)},
                styles["note"],
            )
        )
        story.append(Spacer(1, 4 * mm))
        for code in codes:
            story.append(
                KeepTogether([_slip(code, department, styles), Spacer(1, 3 * mm)])
            )
    if not groups:
        story.append(_p(title, styles["title"]))
    doc.build(story)
    return buffer.getvalue()
