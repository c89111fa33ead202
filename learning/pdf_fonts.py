"""The CJK font every PDF of the site embeds (a subset, so that any viewer shows the
Chinese without a font of its own): Noto Sans SC, regular and bold, copied from the
npm package @expo-google-fonts/noto-sans-sc by `make setup` (never committed). The
leadership report and the sign-in code sheets register it here, once per process."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(settings.BASE_DIR) / "analytics" / "fonts"
FONT = "NotoSansSC"
FONT_BOLD = "NotoSansSC-Bold"
FONT_FILES = {
    FONT: "NotoSansSC_400Regular.ttf",
    FONT_BOLD: "NotoSansSC_700Bold.ttf",
}


class PdfFontMissing(RuntimeError):
    """The font is not installed (`make setup` copies it from npm)."""


def fonts_register() -> None:
    """Register the embedded TrueType fonts once per process, or PdfFontMissing."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONT_FILES.items():
        if name in registered:
            continue
        path = FONT_DIR / filename
        if not path.is_file():
            raise PdfFontMissing(
                f"{path} is missing: run `make setup` (it copies Noto Sans SC from "
                "the npm package @expo-google-fonts/noto-sans-sc)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def fonts_available() -> bool:
    return all((FONT_DIR / filename).is_file() for filename in FONT_FILES.values())
