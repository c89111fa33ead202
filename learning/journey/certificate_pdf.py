"""The certificate as a PDF, in both languages, drawn with ReportLab. Chinese text
uses the Adobe CID font STSong-Light, which PDF readers supply themselves, so
nothing is downloaded or embedded and the file stays small."""

from io import BytesIO

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from learning.journey.models import Certificate

CJK_FONT = "STSong-Light"


pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _centre(pdf, text: str, y: float, size: float, font: str = CJK_FONT, color=None):
    pdf.setFont(font, size)
    pdf.setFillColor(color or colors.HexColor("#1f2933"))
    pdf.drawCentredString(landscape(A4)[0] / 2, y, text)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """One landscape A4 page: the learner, the course in Chinese and English, the
    date, the validity, the study hours and the verification code and address."""
    width, height = landscape(A4)
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"CivicSkills certificate {certificate.code}")
    pdf.setAuthor("CivicSkills")
    navy = colors.HexColor("#0b4f6c")
    pdf.setStrokeColor(navy)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    issued = timezone.localtime(certificate.issued_at).date()
    _centre(pdf, "结业证书", height - 45 * mm, 30, color=navy)
    _centre(pdf, "Certificate of Completion", height - 57 * mm, 16, "Helvetica", navy)
    _centre(pdf, _fit(certificate.learner_name, 40), height - 80 * mm, 26)
    _centre(pdf, "完成了课程 · has completed the course", height - 93 * mm, 12)
    _centre(pdf, _fit(certificate.course_title_zh, 40), height - 108 * mm, 18)
    _centre(pdf, _fit(certificate.course_title_en, 80), height - 119 * mm, 13)
    hours = f"{certificate.credit_hours:g}"
    _centre(
        pdf,
        f"学时 Study hours: {hours}    完成日期 Completed: {issued:%Y-%m-%d}",
        height - 136 * mm,
        12,
    )
    if certificate.valid_until:
        validity = f"有效期至 Valid until: {certificate.valid_until:%Y-%m-%d}"
    else:
        validity = "长期有效 No expiry"
    _centre(pdf, validity, height - 145 * mm, 12)
    _centre(pdf, f"验证码 Verification code: {certificate.code}", 34 * mm, 11)
    _centre(pdf, verify_url, 27 * mm, 9, "Helvetica", colors.HexColor("#52606d"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
