from django.urls import path

from .h5p import serving

app_name = "courses"

urlpatterns = [
    path("h5p/<int:package_id>/<path:path>", serving.h5p_file, name="h5p_file"),
]
