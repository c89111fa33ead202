"""The learner's quiz pages, mounted at /quizzes/ by cms/urls.py."""

from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.quiz_list, name="quiz_list"),
    path("attempt/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path(
        "attempt/<int:attempt_id>/answer/",
        views.attempt_answer,
        name="attempt_answer",
    ),
    path(
        "attempt/<int:attempt_id>/submit/",
        views.attempt_submit,
        name="attempt_submit",
    ),
    path(
        "attempt/<int:attempt_id>/result/",
        views.attempt_result,
        name="attempt_result",
    ),
    path("<str:code>/", views.quiz_detail, name="quiz_detail"),
    path("<str:code>/start/", views.quiz_start, name="quiz_start"),
]
