"""The modules of courses/ import one way (read from the source with grimp, as
import-linter does): H5P packages below the course pages, the catalog handed its
querysets by the catalog page, and no circle among the app's modules."""

import grimp
import pytest


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("courses", "assessments", cache_dir=None)


def test_h5p_never_imports_the_course_pages(graph):
    assert not graph.find_shortest_chains(
        importer="courses.h5p", imported="courses.models"
    )


def test_the_catalog_does_not_import_the_pages(graph):
    assert not graph.chain_exists(importer="courses.catalog", imported="courses.models")


def test_no_import_circles_among_the_modules_of_courses(graph):
    assert not graph.nominate_cycle_breakers("courses")
    assert not graph.nominate_cycle_breakers("courses.h5p")
