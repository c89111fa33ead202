"""Issue #15: a lesson's documents only for people who may see a live page that uses
them; not for anonymous visitors counting through ids, nor for a document no live
page uses."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from tests.courses.builders import course_tree, publish
from tests.factories import person_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(county):
    tree = course_tree()
    used = Document.objects.create(
        title="清单", file=ContentFile(b"%PDF-1.4 checklist", name="checklist.pdf")
    )
    unused = Document.objects.create(
        title="草稿", file=ContentFile(b"%PDF-1.4 draft", name="draft.pdf")
    )
    lesson = tree.reading
    lesson.body = [
        {"type": "document", "value": {"document": used.pk, "title": "清单"}}
    ]
    lesson.save_revision()
    publish(lesson)
    return used, unused


def test_a_learner_reads_a_lessons_document_strangers_do_not(county, client, documents):
    used, unused = documents
    assert client.get(used.url).status_code == 404  # anonymous
    client.force_login(person_in(county.section_a1).user)
    response = client.get(used.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(unused.url).status_code == 404
    assert client.get("/documents/999999/x.pdf").status_code == 404


def test_whoever_manages_documents_reads_any(client, documents, admin_user):
    _used, unused = documents
    client.force_login(admin_user)
    assert client.get(unused.url).status_code == 200
