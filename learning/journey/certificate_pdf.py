"""The certificate as a PDF, in both languages, drawn with ReportLab. Every glyph,
Latin and Chinese, is set in Noto Sans SC, embedded as a subset (learning.pdf_fonts),
so any viewer shows the name, course and date without a font of its own (a CID font
left to the viewer showed nothing in poppler without its data package). A QR code
leads to the public verification page."""

from io import BytesIO

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from learning.journey.models import Certificate
from learning.pdf_fonts import FONT, FONT_BOLD, fonts_register

INK = colors.HexColor("#1f2933")
NAVY = colors.HexColor("#0b4f6c")
MUTED = colors.HexColor("#52606d")


def _centre(pdf, text: str, y: float, size: float, *, font=FONT, color=INK) -> None:
    pdf.setFont(font, size)
    pdf.setFillColor(color)
    pdf.drawCentredString(landscape(A4)[0] / 2, y, text)


def _fit(text: str, *, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis where it would run past `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _draw_qr_code(pdf, url: str, *, x: float, y: float, size: float) -> None:
    """The URL as a QR code drawn in vectors, `size` points square (quiet zone
    included) with its lower left corner at (x, y): sharp at any zoom, and it
    prints."""
    matrix = [list(row) for row in segno.make(url, error="m").matrix_iter(border=2)]
    cell = size / len(matrix)
    pdf.setFillColor(colors.black)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    x + col_index * cell,
                    y + size - (row_index + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """One landscape A4 page: the issuing organisation, the learner, the course in
    Chinese and English, the date, the validity, the study hours, the verification
    code and address, and a QR code of that address. Raises PdfFontMissing when
    the font is not installed."""
    fonts_register()
    width, height = landscape(A4)
    text_width = width - 60 * mm
    buffer = BytesIO()
    # Not ReportLab's default Helvetica, which no PDF embeds.
    pdf = canvas.Canvas(
        buffer, pagesize=(width, height), pageCompression=1, initialFontName=FONT
    )
    pdf.setTitle(f"CivicSkills certificate {certificate.code}")
    pdf.setAuthor(settings.CERTIFICATE_ISSUER)
    pdf.setStrokeColor(NAVY)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    issued = timezone.localtime(certificate.issued_at).date()
    _centre(pdf, settings.CERTIFICATE_ISSUER, height - 30 * mm, 12, color=MUTED)
    _centre(pdf, "结业证书", height - 47 * mm, 30, font=FONT_BOLD, color=NAVY)
    _centre(pdf, "Certificate of Completion", height - 58 * mm, 15, color=NAVY)
    name = _fit(certificate.learner_name, font=FONT_BOLD, size=26, width=text_width)
    _centre(pdf, name, height - 80 * mm, 26, font=FONT_BOLD)
    _centre(pdf, "完成了课程 · has completed the course", height - 92 * mm, 12)
    title_zh = _fit(certificate.course_title_zh, font=FONT, size=18, width=text_width)
    _centre(pdf, title_zh, height - 106 * mm, 18)
    if certificate.course_title_en and (
        certificate.course_title_en != certificate.course_title_zh
    ):
        title_en = _fit(
            certificate.course_title_en, font=FONT, size=13, width=text_width
        )
        _centre(pdf, title_en, height - 117 * mm, 13)
    hours = f"{certificate.credit_hours:g}"
    _centre(
        pdf,
        f"学时 Study hours: {hours}    完成日期 Completed: {issued:%Y-%m-%d}",
        height - 133 * mm,
        12,
    )
    if certificate.valid_until:
        validity = f"有效期至 Valid until: {certificate.valid_until:%Y-%m-%d}"
    else:
        validity = "长期有效 No expiry"
    _centre(pdf, validity, height - 142 * mm, 12)

    # Bottom right: the QR code; bottom centre: the code and address in words.
    qr_size = 30 * mm
    _draw_qr_code(pdf, verify_url, x=width - 22 * mm - qr_size, y=20 * mm, size=qr_size)
    _centre(pdf, f"验证码 Verification code: {certificate.code}", 34 * mm, 11)
    _centre(pdf, "扫码或访问以下地址验证 · Scan or visit to verify", 28 * mm, 9)
    url = _fit(verify_url, font=FONT, size=9, width=text_width - 2 * qr_size)
    _centre(pdf, url, 23 * mm, 9, color=MUTED)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
