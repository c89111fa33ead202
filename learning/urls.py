from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/competencies/", views.my_competencies, name="my_competencies"),
    path("me/competencies/self/", views.self_assessment, name="self_assessment"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.team_member, name="team_member"),
    path("team/<int:pk>/rate/", views.team_rate, name="team_rate"),
]
