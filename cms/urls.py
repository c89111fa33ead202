from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from accounts.sso_views import SignOutView

from . import views
from .forms import SignInForm

# A database that cannot be reached answers 503 "back in a moment" (cms.views).
handler500 = "cms.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Ends the identity platform's session too when the person came in through it.
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/sso/", include("accounts.sso_urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Before Wagtail's own: its English sign-in form is never shown (cms.views).
    path(
        "admin/login/", views.back_office_sign_in, name="back_office_sign_in"
    ),
    path("admin/", include(wagtailadmin_urls)),
    # Lesson documents only for those who may see a page using them (cms.views);
    # Wagtail's password form for documents stays.
    re_path(
        r"^documents/(\d+)/(.*)$", views.document_serve, name="wagtaildocs_serve"
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("quizzes/", include("assessments.urls")),
    path("", include("learning.urls")),
    path("", include("courses.urls")),
    path("", include("analytics.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Pages: Wagtail's view with faster routing (cms.views.serve), then the rest of
    # Wagtail's front-end URLs.
    re_path(serve_pattern, views.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]
