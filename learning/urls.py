from django.urls import path

from . import journey_views, views, xapi_views

app_name = "learning"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("xapi/statements", xapi_views.statements, name="xapi_statements"),
    path("me/competencies/", views.my_competencies, name="my_competencies"),
    path("me/notifications/", views.notification_centre, name="notifications"),
    path("me/notifications/read/", views.notification_read, name="notification_read"),
    path("me/competencies/self/", views.self_assessment, name="self_assessment"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.team_member, name="team_member"),
    path("team/<int:pk>/rate/", views.team_rate, name="team_rate"),
    path(
        "learn/courses/<int:page_id>/enroll/",
        journey_views.course_enroll,
        name="course_enroll",
    ),
    path(
        "learn/courses/<int:page_id>/retake/",
        journey_views.course_retake,
        name="course_retake",
    ),
    path(
        "learn/lessons/<int:page_id>/heartbeat/",
        journey_views.lesson_heartbeat,
        name="lesson_heartbeat",
    ),
    path(
        "learn/lessons/<int:page_id>/complete/",
        journey_views.lesson_complete,
        name="lesson_complete",
    ),
    path(
        "learn/feedback/<str:code>/",
        journey_views.course_feedback,
        name="course_feedback",
    ),
    path(
        "h5p/state/<uuid:lesson_key>/<str:block_id>/",
        journey_views.h5p_state,
        name="h5p_state",
    ),
    path(
        "certificates/<str:code>/",
        journey_views.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<str:code>/pdf/",
        journey_views.certificate_pdf,
        name="certificate_pdf",
    ),
]
