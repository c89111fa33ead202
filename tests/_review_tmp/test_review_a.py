import datetime, io, uuid, zipfile
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from learning.models import Assignment, Curriculum, RoleScope, Notification, RosterImport
from learning.services.curricula import assignments_sync, curriculum_activate
from learning.services import roster as roster_service
from tests import factories
from tests.learning.test_curricula import complete, keys, make_curriculum

pytestmark = pytest.mark.django_db
TZ = None

def client_for(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    c.force_login(user)
    return c

@pytest.fixture
def admin():
    return factories.UserFactory(username="siteadmin", is_superuser=True)

def test_fixed_date_annual_one_completion_two_cycles(county, admin, time_machine):
    tz = timezone.get_current_timezone()
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, tzinfo=tz))
    person = factories.person_in(county.section_a1)
    cur = make_curriculum(county.county, departments=[county.county], recurrence_months=12,
                          renewal_window_days=30, due_kind=Curriculum.DueKind.FIXED,
                          due_date=datetime.date(2026, 12, 31))
    curriculum_activate(actor=admin, curriculum=cur)
    first = Assignment.objects.get(profile=person)
    print("cycle1", first.starts_on, first.expires_on, first.due_on)
    time_machine.move_to(datetime.datetime(2026, 12, 15, 9, tzinfo=tz))
    assignments_sync()
    second = Assignment.objects.get(profile=person, cycle=2)
    print("cycle2", second.starts_on, second.expires_on, second.due_on, second.counts_from)
    # learner does the 2026 training on time (due Dec 31 2026)
    time_machine.move_to(datetime.datetime(2026, 12, 20, 9, tzinfo=tz))
    complete(person.user, keys(cur)[0])
    assignments_sync()
    states = dict(Assignment.objects.filter(profile=person).values_list("cycle", "state"))
    print(states)
    assert states[2] == Assignment.State.OPEN, "2027 cycle already completed by the 2026 completion"

def test_notification_read_superscript(county):
    p = factories.person_in(county.section_a1)
    c = client_for(p.user)
    r = c.post(reverse("learning:notification_read"), {"id": "²"})
    print(r.status_code)
    assert r.status_code != 500

def test_notification_read_huge(county):
    p = factories.person_in(county.section_a1)
    c = client_for(p.user)
    r = c.post(reverse("learning:notification_read"), {"id": "9"*40})
    print(r.status_code)
    assert r.status_code != 500

def _hr(county, dept=None):
    return factories.scoped_user(RoleScope.Role.HR, dept or county.bureau_a)

def test_compliance_huge_ids(county):
    hr = _hr(county)
    c = client_for(hr.user)
    for url in [reverse("compliance:exempt", args=[10**30]), reverse("compliance:unexempt", args=[10**30])]:
        r = c.post(url, {"reason": "x"})
        print(url, r.status_code)
        assert r.status_code != 500
    r = c.post(reverse("compliance:remind"), {"assignment": "9"*40})
    print("remind", r.status_code); assert r.status_code != 500
    r = c.get(reverse("compliance:people"), {"curriculum": "9"*40})
    print("people", r.status_code); assert r.status_code != 500
    r = c.get(reverse("roster_import:report", args=[10**30]))
    print("roster", r.status_code); assert r.status_code != 500

def _xlsx(sheet_xml: bytes, workbook_crc_bad=False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="s" sheetId="1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()

HEADER = b'<row r="1"><c t="inlineStr"><is><t>employee number</t></is></c><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>department</t></is></c></row>'

def _upload(c, content, name="r.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    return c.post(reverse("roster_import:index"), {"file": SimpleUploadedFile(name, content)})

def test_xlsx_huge_column_ref(county):
    hr = _hr(county)
    c = client_for(hr.user)
    sheet = b'<worksheet><sheetData>' + HEADER + b'<row r="2"><c r="ZZZZZZZZZZZZZZZ2"><v>1</v></c></row></sheetData></worksheet>'
    r = _upload(c, _xlsx(sheet))
    print(r.status_code)
    assert r.status_code != 500

def test_xlsx_bad_crc(county):
    hr = _hr(county)
    c = client_for(hr.user)
    data = bytearray(_xlsx(b'<worksheet><sheetData>' + HEADER + b'</sheetData></worksheet>'))
    # corrupt the stored CRC of first local header (offset 14)
    data[14] ^= 0xFF
    r = _upload(c, bytes(data))
    print(r.status_code)
    assert r.status_code != 500
