"""Shared by the LRS tests: the published course with its two H5P activities, the
signed-in learner and their launches (defined beside the statement store's tests)."""

from tests.learning.test_xapi import activities, launches, learner  # noqa: F401
