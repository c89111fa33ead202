"""The platform's one rate limiter (audit/limits.py) and the limits it enforces
(issue #15): per person and per address, fixed windows, atomic counting on the
local-memory cache and on Redis; a limited request gets a 429 saying how long to
wait, with Retry-After, and writes nothing."""

import datetime
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from audit.limits import (
    Limit,
    Limited,
    limit_count,
    limit_hit,
    limit_reached,
)
from audit.models import AuditEntry
from courses.models import H5PPackage
from learning.journey.services import course_enroll
from learning.models import LessonProgress
from tests.courses.builders import course_tree
from tests.courses.test_h5p import civic
from tests.factories import UserFactory, person_in

NOON = datetime.datetime(2026, 6, 1, 4, 0, 30, tzinfo=datetime.UTC)
T = NOON.timestamp()

THREE = Limit("test-three", per_user=3, per_address=4, window_minutes=1)


def test_a_person_and_an_address_are_counted_apart():
    for _ in range(3):
        limit_hit(THREE, user_key=1, address="203.0.113.1", now=T)
    with pytest.raises(Limited):
        limit_hit(THREE, user_key=1, address="203.0.113.2", now=T)
    # Another person at the first address: the address has one left.
    limit_hit(THREE, user_key=2, address="203.0.113.1", now=T)
    with pytest.raises(Limited) as refused:
        limit_hit(THREE, user_key=3, address="203.0.113.1", now=T + 5)
    # The window started at 04:00:00 and ends at 04:01:00.
    assert refused.value.retry_after == 25
    assert "Wait 1 minute" in refused.value.message


def test_a_window_ends_and_the_count_starts_again():
    for _ in range(3):
        limit_hit(THREE, user_key=1, now=T)
    assert limit_reached(THREE, user_key=1, now=T + 29) is not None
    assert limit_reached(THREE, user_key=1, now=T + 30) is None
    limit_hit(THREE, user_key=1, now=T + 30)


def test_failures_are_counted_and_checked_apart_from_trying():
    failures = Limit("test-failures", per_address=2, window_minutes=15)
    assert limit_reached(failures, address="198.51.100.7", now=T) is None
    assert limit_count(failures, address="198.51.100.7", now=T) == [1]
    assert limit_reached(failures, address="198.51.100.7", now=T) is None
    limit_count(failures, address="198.51.100.7", now=T)
    reached = limit_reached(failures, address="198.51.100.7", now=T)
    assert reached is not None and reached.retry_after == 15 * 60 - 30
    # Nothing to count by: no limit applies.
    assert limit_count(failures, now=T) == []
    assert limit_reached(failures, now=T) is None


def test_limits_read_their_settings_when_counting(settings):
    limit = Limit("test-setting", per_user="EXPORTS_PER_HOUR", window_minutes=60)
    settings.EXPORTS_PER_HOUR = 1
    limit_hit(limit, user_key=9, now=T)
    with pytest.raises(Limited):
        limit_hit(limit, user_key=9, now=T)
    settings.EXPORTS_PER_HOUR = 5
    limit_hit(limit, user_key=9, now=T)


def _hit_together(limit: Limit, count: int) -> int:
    """`count` threads count at once; how many were let through."""
    barrier = threading.Barrier(count)
    passed = []

    def run():
        barrier.wait()
        try:
            limit_hit(limit, user_key="racer", now=T)
        except Limited:
            return
        passed.append(1)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(passed)


def test_parallel_requests_never_lose_a_count_in_memory():
    limit = Limit("test-race-memory", per_user=10, window_minutes=1)
    assert _hit_together(limit, 30) == 10


def test_parallel_requests_never_lose_a_count_on_redis(require_redis_cache):
    limit = Limit("test-race-redis", per_user=10, window_minutes=1)
    assert _hit_together(limit, 30) == 10


# The limits on the site's requests ---------------------------------------------------


@pytest.mark.django_db
def test_lesson_beats_past_the_limit_are_429_and_write_nothing(client, settings):
    settings.LESSON_BEATS_PER_MINUTE = 3
    tree = course_tree()
    learner = UserFactory()
    course_enroll(learner=learner, course=tree.course)
    client.force_login(learner)
    url = reverse("learning:lesson_heartbeat", args=[tree.reading.pk])
    with time_machine.travel(NOON.replace(second=0), tick=False) as traveller:
        view = client.get(tree.reading.url).context["lesson_view"]
        headers = {"HTTP_X_REQUESTED_WITH": "fetch"}
        client.post(url, {"open": "1", "view": view}, **headers)
        for _ in range(2):
            traveller.shift(datetime.timedelta(seconds=10))
            client.post(url, {"seconds": "10", "view": view}, **headers)
        counted = LessonProgress.objects.get().active_seconds
        traveller.shift(datetime.timedelta(seconds=10))
        refused = client.post(url, {"seconds": "10", "view": view}, **headers)
    assert counted == 20
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused.json()["error"] == "此类请求过于频繁。请等待 1 分钟后再试。"
    assert LessonProgress.objects.get().active_seconds == 20


@pytest.mark.django_db
def test_uploads_past_the_limit_are_429_and_store_nothing(client, settings):
    from django.contrib.auth.models import Group

    settings.UPLOADS_PER_HOUR = 1
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    url = reverse("h5p_upload")
    first = client.post(url, {"upload": ContentFile(civic(), name="one.h5p")})
    assert first.status_code == 302
    H5PPackage.objects.all().delete()
    second = client.post(url, {"upload": ContentFile(civic(), name="two.h5p")})
    assert second.status_code == 429
    assert int(second["Retry-After"]) <= 3600
    assert re.search(r"请等待 \d+ 分钟后再试", second.content.decode())
    assert not H5PPackage.objects.exists()
    # Opening the upload form is not an upload.
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_exports_past_the_limit_are_429_and_are_not_audited(client, settings):
    settings.EXPORTS_PER_HOUR = 2
    client.force_login(UserFactory())
    answers = [client.get("/me/data.json").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert AuditEntry.objects.filter(action="export").count() == 2


@pytest.mark.django_db
def test_exports_from_one_address_are_limited_across_people(settings):
    settings.EXPORTS_PER_HOUR_PER_ADDRESS = 2
    answers = []
    for _ in range(3):
        browser = Client(REMOTE_ADDR="203.0.113.40")
        browser.force_login(UserFactory())
        answers.append(browser.get("/me/data.json").status_code)
    assert answers == [200, 200, 429]


@pytest.mark.django_db
def test_password_reset_requests_are_limited_and_send_nothing(settings, county):
    profile = person_in(county.section_a1, employee_number="QX00401")
    profile.user.email = "li.na@example.gov.cn"
    profile.user.save(update_fields=["email"])
    settings.PASSWORD_RESETS_PER_HOUR = 2
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    answers = [
        client.post("/accounts/password/reset/", {"email": "Li.Na@example.gov.cn"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert len(mail.outbox) == 2
    # In the reader's language, with the time to wait.
    assert "请" in answers[2].content.decode()
    assert answers[2]["Retry-After"]
    # Another address asked from the same place is not held up by the first.
    other = client.post("/accounts/password/reset/", {"email": "x@example.gov.cn"})
    assert other.status_code == 302
