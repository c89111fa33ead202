"""The demo courses' text (courses/demo_content/*.json) is real content that the
courses issue turns into Wagtail pages. These checks keep it to the bar the issue
sets: four lessons per course, each at least 400 English words and 600 Chinese
characters of matching structure, only the block types and tags the page body
supports, and competencies that exist in the shipped frameworks."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTENT = sorted((ROOT / "courses" / "demo_content").glob("*.json"))
FRAMEWORKS = [
    ROOT / "assessments" / "data" / n for n in ("digcomp22.json", "egov.json")
]
TOPICS = {"egov-service", "service-admin", "security", "data-literacy"}
BLOCKS = {"heading", "paragraph", "callout"}
CALLOUTS = {"tip", "warning", "checklist", "example"}
TAGS = {"p", "ul", "ol", "li", "strong", "em"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        assert not attrs, f"<{tag}> must carry no attributes"

    def handle_data(self, data):
        self.text.append(data)


def block_text(blocks) -> tuple[str, set[str]]:
    parser = _Text()
    for block in blocks:
        assert block["type"] in BLOCKS, block["type"]
        if block["type"] == "heading":
            parser.text.append(block["value"])
        elif block["type"] == "paragraph":
            parser.feed(block["value"])
        else:
            assert block["value"]["kind"] in CALLOUTS
            parser.text.append(block["value"]["title"])
            parser.feed(block["value"]["body"])
    return " ".join(parser.text), parser.tags


def competency_scales() -> dict[str, int]:
    scales = {}
    for path in FRAMEWORKS:
        data = json.loads(path.read_text(encoding="utf-8"))
        top = max(level["value"] for level in data["scale"]["levels"])
        scales.update({c["code"]: top for c in data["competencies"]})
    return scales


def test_all_four_demo_courses_are_there():
    assert {
        json.loads(p.read_text(encoding="utf-8"))["topic"] for p in CONTENT
    } == TOPICS


@pytest.mark.parametrize("path", CONTENT, ids=lambda p: p.stem)
def test_course_content_meets_the_bar(path):
    course = json.loads(path.read_text(encoding="utf-8"))
    scales = competency_scales()
    assert course["credit_hours"] > 0
    for language in ("en", "zh"):
        assert course[language]["title"] and course[language]["summary"]
    for item in course["competencies"]:
        assert item["code"] in scales, item["code"]
        assert 1 <= item["level"] <= scales[item["code"]]
    lessons = course["lessons"]
    all_chinese = []
    assert len(lessons) >= 4
    assert len({lesson["slug"] for lesson in lessons}) == len(lessons)
    for lesson in lessons:
        english, en_tags = block_text(lesson["en"]["body"])
        chinese, zh_tags = block_text(lesson["zh"]["body"])
        assert en_tags <= TAGS and zh_tags <= TAGS
        assert len(re.findall(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", english)) >= 400, lesson[
            "slug"
        ]
        assert len(re.findall(r"[\u4e00-\u9fff]", chinese)) >= 600, lesson["slug"]
        en_shape = [b["type"] for b in lesson["en"]["body"] if b["type"] != "paragraph"]
        zh_shape = [b["type"] for b in lesson["zh"]["body"] if b["type"] != "paragraph"]
        assert en_shape == zh_shape, f"{lesson['slug']}: headings/callouts differ"
        all_chinese.append(chinese)
    # Set in the demo county, so examples name its places.
    assert "清溪" in "".join(all_chinese)
