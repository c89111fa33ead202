"""PIPL (issue #15): a person downloads their own record, as JSON and as CSV files,
with every table of it and nobody else's rows, and no secret."""

import csv
import io
import json
import zipfile

import pytest

from learning.models import Notification
from tests.factories import person_in

pytestmark = pytest.mark.django_db


def test_the_record_as_json_has_every_table_and_only_the_persons_rows(county, client):
    me = person_in(county.section_a1, full_name="王小明", user__email="me@county.test")
    other = person_in(county.section_a1)
    for user, subject in ((me.user, "mine"), (other.user, "theirs")):
        Notification.objects.create(user=user, subject=subject, body="")
    client.force_login(me.user)

    response = client.get("/me/data.json")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    expected = {"account", "profile", "assignments", "quiz_attempts", "evidence"}
    assert expected <= set(data)
    assert data["account"][0]["email"] == "me@county.test"
    assert data["profile"][0]["full_name"] == "王小明"
    assert [row["subject"] for row in data["notifications"]] == ["mine"]
    assert "password" not in response.content.decode()


def test_the_record_as_csv_files_opens_in_excel(county, client):
    me = person_in(county.section_a1, full_name="=cmd|' /C calc'!A0")
    client.force_login(me.user)

    response = client.get("/me/data.zip")

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "profile.csv" in archive.namelist()
    raw = archive.read("profile.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["full_name"].startswith("'=")  # never run as a formula


def test_only_for_the_signed_in_person_and_known_formats(county, client):
    assert client.get("/me/data.json").status_code == 302
    client.force_login(person_in(county.section_a1).user)
    assert client.get("/me/data.xml").status_code == 404
