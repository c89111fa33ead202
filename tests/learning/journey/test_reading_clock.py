"""Study-hour farming (issue #15): active reading time is clocked once per learner
across all their lessons and courses, and only from lesson pages the server
rendered to them, through the page's own requests (GET the lesson, POST beats)."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from learning.journey.services import course_enroll, lesson_heartbeat, lesson_open
from learning.models import LessonProgress, ReadingClock
from tests.courses.builders import (
    SESSION,
    course_in,
    course_tree,
    graded_quiz,
    lesson_view,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 6, 1, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def two_courses():
    """Two published courses, each with a reading lesson (the farming report's
    setting: two courses' lessons beating at once)."""
    tree = course_tree()
    _course, other_reading, _quiz_lesson = course_in(
        tree.index_zh,
        slug="data-sharing",
        title="数据共享",
        topic=tree.topic,
        fw=tree.framework,
        quiz=graded_quiz(tree.framework, code="QZ-SHARING"),
    )
    return tree.reading, other_reading


def credited(learner) -> int:
    return sum(
        LessonProgress.objects.filter(enrollment__learner=learner).values_list(
            "active_seconds", flat=True
        )
    )


def enrolled_reader(client, lessons):
    learner = UserFactory()
    for lesson in lessons:
        course_enroll(learner=learner, course=lesson.get_parent().specific)
    client.force_login(learner)
    return learner


def open_page(client, lesson) -> tuple[str, str]:
    """GET the lesson page and run its script's first POST: (beat url, view)."""
    response = client.get(lesson.url)
    assert response.status_code == 200
    view = response.context["lesson_view"]
    assert f'data-lesson-view="{view}"' in response.content.decode()
    url = reverse("learning:lesson_heartbeat", args=[lesson.pk])
    assert client.post(url, {"open": "1", "view": view}).status_code == 200
    return url, view


def test_two_courses_beating_together_get_no_more_than_real_time(client, two_courses):
    learner = enrolled_reader(client, two_courses)
    with time_machine.travel(NOON, tick=False) as traveller:
        pages = [open_page(client, lesson) for lesson in two_courses]
        # 95 s of real time: each tab claims 30 s every 30 s, the second tab 15 s
        # after the first (per course, that is 165 s).
        for second in range(5, 96, 5):
            traveller.shift(datetime.timedelta(seconds=5))
            for offset, (url, view) in zip((0, 15), pages, strict=True):
                if second % 30 == offset:
                    answer = client.post(url, {"seconds": "30", "view": view})
                    assert answer.status_code == 200
    assert 90 <= credited(learner) <= 95  # the real time is credited, once


def test_a_reader_is_credited_the_time_they_read(client, two_courses):
    learner = enrolled_reader(client, two_courses[:1])
    with time_machine.travel(NOON, tick=False) as traveller:
        url, view = open_page(client, two_courses[0])
        for _beat in range(6):  # the page beats every 30 s of activity
            traveller.shift(datetime.timedelta(seconds=30))
            client.post(url, {"seconds": "30", "view": view})
        traveller.shift(datetime.timedelta(seconds=20))
        last = client.post(url, {"seconds": "20", "view": view})  # on leaving
    assert last.json()["active_seconds"] == 200
    assert credited(learner) == 200


def test_a_reader_moving_between_two_courses_keeps_every_second(client, two_courses):
    learner = enrolled_reader(client, two_courses)
    with time_machine.travel(NOON, tick=False) as traveller:
        for lesson in two_courses:
            url, view = open_page(client, lesson)
            for _beat in range(4):
                traveller.shift(datetime.timedelta(seconds=30))
                client.post(url, {"seconds": "30", "view": view})
    assert credited(learner) == 240


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "1780286400.0123456789abcdef0123456789abcdef",
        "garbage",
        "²²²²²²²²².abc",
        "99999999999999999999999999.abc",
    ],
)
def test_beats_without_a_page_the_server_rendered_credit_nothing(
    client, two_courses, forged
):
    learner = enrolled_reader(client, two_courses[:1])
    url = reverse("learning:lesson_heartbeat", args=[two_courses[0].pk])
    data = {} if forged is None else {"view": forged}
    with time_machine.travel(NOON, tick=False) as traveller:
        opened = client.post(url, {"open": "1", **data})
        for _beat in range(4):
            traveller.shift(datetime.timedelta(seconds=30))
            answer = client.post(url, {"seconds": "30", **data})
            assert answer.status_code == 400
            # In the reader's language (Chinese by default): reload the page.
            assert "请刷新页面" in answer.json()["error"]
    assert opened.status_code == 400
    assert credited(learner) == 0
    assert not ReadingClock.objects.exists()


def test_a_page_view_counts_only_for_its_lesson_learner_and_session(
    client, two_courses
):
    reading, other = two_courses
    learner = enrolled_reader(client, two_courses)
    url = reverse("learning:lesson_heartbeat", args=[reading.pk])
    with time_machine.travel(NOON, tick=False) as traveller:
        _other_url, other_view = open_page(client, other)
        client.post(url, {"open": "1", "view": other_view})  # another lesson's view
        someone = UserFactory()
        course_enroll(learner=someone, course=reading.get_parent().specific)
        theirs = lesson_view(someone, reading, now=NOON)  # someone else's view
        mine_elsewhere = lesson_view(learner, reading, now=NOON)  # another session
        for view in (other_view, theirs, mine_elsewhere):
            traveller.shift(datetime.timedelta(seconds=30))
            assert client.post(url, {"seconds": "30", "view": view}).status_code == 400
    assert not LessonProgress.objects.filter(
        enrollment__learner=learner, lesson_key=reading.translation_key
    ).exists()


@override_settings(LESSON_VIEW_MINUTES=10)
def test_a_page_rendered_too_long_ago_counts_no_more(client, two_courses):
    learner = enrolled_reader(client, two_courses[:1])
    with time_machine.travel(NOON, tick=False) as traveller:
        url, view = open_page(client, two_courses[0])
        traveller.shift(datetime.timedelta(seconds=30))
        assert client.post(url, {"seconds": "30", "view": view}).status_code == 200
        traveller.shift(datetime.timedelta(minutes=10))
        stale = client.post(url, {"seconds": "30", "view": view})
        # Reloading the page renews it; time away from it is not counted.
        fresh = client.get(two_courses[0].url).context["lesson_view"]
        traveller.shift(datetime.timedelta(seconds=30))
        renewed = client.post(url, {"seconds": "30", "view": fresh})
    assert stale.status_code == 400
    assert renewed.status_code == 200
    assert credited(learner) == 60


def test_a_beat_behind_the_clock_by_moments_counts_nothing(two_courses):
    """Of two beats at once, the one that arrives with the earlier time after the
    other counted up to its own time finds its interval counted."""
    reading, other = two_courses
    learner = UserFactory()
    for lesson in two_courses:
        enrollment, _new = course_enroll(
            learner=learner, course=lesson.get_parent().specific
        )
        lesson_open(enrollment=enrollment, lesson=lesson, now=NOON)

    def beat(lesson, at):
        return lesson_heartbeat(
            learner=learner,
            lesson=lesson,
            seconds=30,
            view=lesson_view(learner, lesson, now=NOON),
            session_key=SESSION,
            now=at,
        )

    assert beat(reading, NOON + datetime.timedelta(seconds=30)).active_seconds == 30
    late = beat(other, NOON + datetime.timedelta(seconds=29))
    assert late.active_seconds == 0
    assert ReadingClock.objects.get(learner=learner).counted_until == (
        NOON + datetime.timedelta(seconds=30)
    )


# Real races: beats from several tabs in the same moment (PostgreSQL: the SQLite test
# database is one in-memory file shared by threads, which locks whole tables) ---------


def run_together(count, work):
    """Run `work(index)` in `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_beats_from_many_tabs_share_real_time(require_postgres, two_courses):
    learner = UserFactory()
    for lesson in two_courses:
        enrollment, _new = course_enroll(
            learner=learner, course=lesson.get_parent().specific
        )
        lesson_open(enrollment=enrollment, lesson=lesson, now=NOON)
    views = {
        lesson.pk: lesson_view(learner, lesson, now=NOON) for lesson in two_courses
    }
    for step in (1, 2, 3):
        moment = NOON + datetime.timedelta(seconds=30 * step)

        def beat(index, moment=moment):
            lesson = two_courses[index % 2]
            return lesson_heartbeat(
                learner=learner,
                lesson=lesson,
                seconds=30,
                view=views[lesson.pk],
                session_key=SESSION,
                now=moment,
            ).active_seconds

        run_together(6, beat)
        # Six tabs over two courses beat at once: the 30 s count once.
        assert credited(learner) == 30 * step
