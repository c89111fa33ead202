from django.urls import path

from . import views

app_name = "courses"

# The H5P frame and files: the only URLs served on H5P_CONTENT_ORIGIN (and, when it
# is set, not on the site's own host): see courses.h5p.origin.
urlpatterns = [
    path("h5p/frame/<str:token>/", views.h5p_frame, name="h5p_frame"),
    path("h5p/content/<str:token>/<path:path>", views.h5p_file, name="h5p_file"),
]
