from django.urls import path

from . import report_views, views

app_name = "analytics"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/gaps/", views.gaps, name="gaps"),
    path("dashboard/gaps/people/", views.gap_people, name="gap_people"),
    path("dashboard/gaps/action/", views.gap_action, name="gap_action"),
    path("dashboard/compliance/", views.compliance, name="compliance"),
    path("dashboard/hours/", views.hours, name="hours"),
    path("dashboard/effect/", views.effect, name="effect"),
    path("dashboard/trends/", views.trends, name="trends"),
    path("dashboard/report.pdf", report_views.report_pdf, name="report_pdf"),
]
