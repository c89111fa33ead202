"""The catalog at /courses/ and the course and lesson pages: two languages, filters,
Chinese search, the learner's state, and a query budget that does not grow with the
number of courses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.search import query_terms, segment
from learning.journey.services import course_enroll
from learning.models import CompetencyTarget
from tests.factories import PositionFactory, county_tree, person_in

from .builders import course_in, course_tree, pass_quiz

pytestmark = pytest.mark.django_db

BUDGET = 15


@pytest.fixture
def tree():
    return course_tree()


@pytest.fixture
def learner(tree):
    county = county_tree()
    return person_in(county.section_a1, position=PositionFactory()).user


def titles(response) -> list[str]:
    return [row["course"].title for row in response.context["rows"]]


def test_segmentation_makes_chinese_words_findable():
    assert segment("电子证照") == " 电 子 证 照 电子 子证 证照 "
    assert query_terms("电子证照") == "电子 子证 证照"
    assert query_terms("证 MFA") == "证 MFA"
    assert segment("<p>OA系统</p>").split() == ["OA", "系", "统", "系统"]
    # Search-engine syntax is not passed through.
    assert query_terms('"钓鱼" OR (a*) -b') == "钓鱼 OR a b"
    assert query_terms('"*') == ""


def test_the_catalog_serves_the_visitors_language(tree, client):
    chinese = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="en")
    assert titles(chinese) == ["一次办好"]
    assert titles(english) == ["One trip at most"]
    assert chinese.context["rows"][0]["languages"] == ["zh-hans", "en"]


def test_course_and_lesson_pages_link_to_the_other_language(tree, client):
    response = client.get(tree.course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.context["other_language"]["code"] == "en"
    assert response.context["other_language"]["url"] == tree.course_en.url
    client.force_login(person_in(county_tree().county).user)
    lesson = client.get(tree.reading.url, HTTP_ACCEPT_LANGUAGE="en")
    assert lesson.context["page"].pk == tree.reading_en.pk
    assert lesson.context["other_language"]["code"] == "zh-hans"


def test_a_chinese_term_from_a_lesson_finds_its_course(tree, client):
    other, _r, _q = course_in(
        tree.index_zh,
        slug="security",
        title="网络安全",
        topic=tree.topic,
        fw=tree.framework,
        reading_body="<p>识别钓鱼邮件，启用多因素认证。</p>",
    )
    # "证照" appears only inside the first course's lesson text, mid-sentence.
    response = client.get("/courses/", {"q": "证照"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert titles(response) == ["一次办好"]
    response = client.get("/courses/", {"q": "钓鱼"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert titles(response) == [other.title]
    response = client.get("/courses/", {"q": "item"}, HTTP_ACCEPT_LANGUAGE="en")
    assert titles(response) == ["One trip at most"]
    response = client.get(
        "/courses/", {"q": "不存在的词"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert titles(response) == []
    assert (
        "No course matches" in response.content.decode()
        or response.context["rows"] == []
    )


def test_filters_by_topic_competency_and_language(tree, client):
    from courses.models import Topic

    security = Topic.objects.create(code="security", name="Security", name_zh="安全")
    course_in(
        tree.index_zh, slug="sec", title="安全", topic=security, fw=tree.framework
    )
    get = lambda **params: titles(  # noqa: E731
        client.get("/courses/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert sorted(get()) == ["一次办好", "安全"]
    assert get(topic="security") == ["安全"]
    assert sorted(get(competency="T-1.1")) == ["一次办好", "安全"]
    assert get(competency="T-1.3") == []
    assert get(language="en") == ["一次办好"]
    response = client.get(
        "/courses/", {"language": "fr"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_required_for_me_follows_the_competency_gap(tree, learner, client):
    profile = learner.learner_profile
    client.force_login(learner)
    response = client.get(
        "/courses/", {"required": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert titles(response) == []
    CompetencyTarget.objects.create(
        position=profile.position, competency=tree.framework.c1, required_level=2
    )
    response = client.get(
        "/courses/", {"required": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert titles(response) == ["一次办好"]
    assert response.context["rows"][0]["required"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "params", [{}, {"q": "证照"}, {"q": "checking"}, {"required": "1"}]
)
def test_catalog_query_budget_does_not_grow_with_courses(
    tree, learner, client, language, params
):
    profile = learner.learner_profile
    CompetencyTarget.objects.create(
        position=profile.position, competency=tree.framework.c1, required_level=3
    )
    client.force_login(learner)
    course_enroll(learner=learner, course=tree.course)

    def measured():
        client.get("/courses/", params, HTTP_ACCEPT_LANGUAGE=language)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/courses/", params, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response, queries

    response, few = measured()
    for number in range(6):
        course_in(
            tree.index_zh,
            slug=f"extra-{number}",
            title=f"课程{number}",
            topic=tree.topic,
            fw=tree.framework,
        )
    response, many = measured()
    if not params and language == "zh-hans":
        assert len(response.context["rows"]) == 7
    assert len(few) <= BUDGET, [q["sql"] for q in few.captured_queries]
    assert len(many) == len(few)


def test_search_syntax_in_a_query_finds_nothing_rather_than_failing(tree, client):
    for query in ['"', 'a"b', "*", "(证照", "证照)", "NEAR(", "-"]:
        response = client.get("/courses/", {"q": query}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, query
    response = client.get("/courses/", {"q": '"证照"'}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert titles(response) == ["一次办好"]


def test_a_single_chinese_character_finds_courses(tree, client):
    response = client.get("/courses/", {"q": "照"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert titles(response) == ["一次办好"]


def test_lesson_page_query_budget(tree, learner, client):
    client.force_login(learner)
    course_enroll(learner=learner, course=tree.course)
    for lesson in (tree.reading, tree.quiz_lesson):
        client.get(lesson.url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(lesson.url)
        assert response.status_code == 200
        assert len(queries) <= BUDGET, [q["sql"] for q in queries.captured_queries]


def test_course_page_shows_progress_and_the_next_lesson(tree, learner, client):
    client.force_login(learner)
    response = client.get(tree.course.url)
    assert response.context["enrollment"] is None
    assert "enroll_url" in response.context
    course_enroll(learner=learner, course=tree.course)
    response = client.get(tree.course.url)
    assert response.context["required_done"] == 0
    assert response.context["next_lesson"].pk == tree.reading.pk
    assert [t["required"] for t in response.context["tests"]] == [True]


def test_course_page_shows_the_final_quiz_standing(tree, learner, client):
    client.force_login(learner)
    course_enroll(learner=learner, course=tree.course)
    pass_quiz(tree.quiz, learner, right=False)
    response = client.get(tree.course.url)
    (standing,) = [t["standing"] for t in response.context["tests"]]
    assert (standing.has_passed, standing.used) == (False, 1)
    pass_quiz(tree.quiz, learner)
    response = client.get(tree.course.url)
    (standing,) = [t["standing"] for t in response.context["tests"]]
    assert (standing.has_passed, standing.used) == (True, 2)


def test_lessons_are_for_signed_in_staff(tree, client):
    response = client.get(tree.reading.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(person_in(county_tree().county).user)
    response = client.get(tree.reading.url)
    assert response.context["not_enrolled"]
    assert "heartbeat_url" not in response.context
    assert "电子证照" in response.content.decode()


def test_an_unpublished_course_is_not_served(tree, client):
    tree.course.unpublish()
    assert client.get("/courses/one-trip/").status_code == 404
    assert titles(client.get("/courses/")) == []
