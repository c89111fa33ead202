"""The certificate PDF as a viewer shows it: poppler's pdffonts lists only embedded
subset fonts, pdftotext reads the learner, both course titles, the date, the issuing
organisation and the verification code and address (no glyph missing), and the QR
code drawn on the page, rendered by pdftoppm, is the code of the verification
address."""

import re
import shutil
import subprocess

import pytest
import segno
from django.test import override_settings
from django.urls import reverse
from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from learning.models import Certificate
from learning.pdf_fonts import fonts_available
from tests.conftest import service_missing
from tests.factories import county_tree, person_in

from .builders import course_tree, publish
from .test_journey import finish

pytestmark = pytest.mark.django_db
ISSUER = "某某县委组织部 · Organisation Department of X County"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        service_missing(f"{name} is not installed (apt-get install poppler-utils)")
    return found or name


@pytest.fixture
def certificate_file(django_capture_on_commit_callbacks, client, tmp_path):
    if not fonts_available():
        service_missing("the PDF font is not installed (run `make setup`)")
    tree = course_tree()
    tree.course.certificate_validity_months = 12
    publish(tree.course)
    learner = person_in(county_tree().county, full_name="欧阳晓雯").user
    finish(tree, learner, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(learner=learner)
    client.force_login(learner)
    with override_settings(CERTIFICATE_ISSUER=ISSUER):
        response = client.get(
            reverse("learning:certificate_pdf", args=[certificate.code])
        )
    assert response.status_code == 200
    target = tmp_path / "certificate.pdf"
    target.write_bytes(response.content)
    return certificate, target


def test_every_font_is_embedded_as_a_subset(certificate_file):
    _certificate, path = certificate_file
    listing = subprocess.run(
        [_tool("pdffonts"), str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    fonts = listing[2:]  # after the header and its rule
    assert fonts, listing
    for line in fonts:
        # name type encoding emb sub uni object ID: emb and sub are "yes"
        columns = line.split()
        assert columns[-5:-3] == ["yes", "yes"], line
        assert "NotoSansSC" in columns[0], line


def test_a_viewer_reads_every_line(certificate_file):
    certificate, path = certificate_file
    text = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    for expected in (
        ISSUER,
        "结业证书",
        "Certificate of Completion",
        "欧阳晓雯",
        certificate.course_title_zh,
        certificate.course_title_en,
        certificate.issued_at.strftime("%Y-%m-%d"),
        certificate.valid_until.strftime("%Y-%m-%d"),
        certificate.code,
        f"/certificates/{certificate.code}/",
    ):
        assert re.sub(r"\s+", "", expected) in flat, (expected, text)
    assert "\ufffd" not in text  # no glyph the font lacked


def test_the_qr_code_is_the_verification_address(certificate_file, tmp_path):
    certificate, path = certificate_file
    dpi = 300
    subprocess.run(
        [
            _tool("pdftoppm"),
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-gray",
            str(path),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    url = f"http://testserver/certificates/{certificate.code}/"
    expected = [list(row) for row in segno.make(url, error="m").matrix_iter(border=2)]
    # Where certificate_pdf draws it: 30 mm square, 22 mm from the right and 20 mm
    # from the bottom edge.
    scale = dpi / 72
    width, height = landscape(A4)
    size = 30 * mm
    left = (width - 22 * mm - size) * scale
    top = (height - 20 * mm - size) * scale
    cell = size * scale / len(expected)
    seen = [
        [
            page.getpixel((left + (col + 0.5) * cell, top + (row + 0.5) * cell)) < 128
            for col in range(len(expected))
        ]
        for row in range(len(expected))
    ]
    assert seen == [[bool(dark) for dark in row] for row in expected]
    # and a different address would not match
    other = [
        list(row) for row in segno.make(url + "x", error="m").matrix_iter(border=2)
    ]
    assert len(other) != len(expected) or seen != [
        [bool(dark) for dark in row] for row in other
    ]
