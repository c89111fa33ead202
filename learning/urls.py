"""The learner's, leader's and LRS pages; each unit owns its views."""

from django.urls import path

from learning.journey import views as journey
from learning.me import views as me
from learning.notifications import views as notifications
from learning.people import views as people
from learning.targets import views as targets
from learning.xapi import views as xapi

app_name = "learning"

urlpatterns = [
    path("me/", me.me, name="me"),
    path("me/data.<str:fmt>", me.my_data, name="my_data"),
    path("xapi/statements", xapi.statements, name="xapi_statements"),
    path("xapi/about", xapi.about, name="xapi_about"),
    path("me/competencies/", targets.my_competencies, name="my_competencies"),
    path("me/notifications/", notifications.notification_centre, name="notifications"),
    path(
        "me/notifications/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path("me/competencies/self/", targets.self_assessment, name="self_assessment"),
    path("team/", people.team, name="team"),
    path("team/<int:pk>/", people.team_member, name="team_member"),
    path("team/<int:pk>/rate/", people.team_rate, name="team_rate"),
    path("me/email/<str:token>/", people.email_confirm, name="email_confirm"),
    path(
        "learn/courses/<int:page_id>/enroll/",
        journey.course_enroll,
        name="course_enroll",
    ),
    path(
        "learn/courses/<int:page_id>/retake/",
        journey.course_retake,
        name="course_retake",
    ),
    path(
        "learn/courses/<int:page_id>/finish/",
        journey.course_finish,
        name="course_finish",
    ),
    path(
        "learn/lessons/<int:page_id>/heartbeat/",
        journey.lesson_heartbeat,
        name="lesson_heartbeat",
    ),
    path(
        "learn/lessons/<int:page_id>/complete/",
        journey.lesson_complete,
        name="lesson_complete",
    ),
    path("learn/feedback/<str:code>/", journey.course_feedback, name="course_feedback"),
    path(
        "h5p/state/<uuid:lesson_key>/<str:block_id>/",
        journey.h5p_state,
        name="h5p_state",
    ),
    path(
        "certificates/<str:code>/",
        journey.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<str:code>/pdf/",
        journey.certificate_pdf,
        name="certificate_pdf",
    ),
]
