from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("h5p/<int:package_id>/<path:path>", views.h5p_file, name="h5p_file"),
]
