"""Single sign-on routes: the OpenID Connect start and callback, the CAS login.
Included by cms.urls under accounts/sso/."""

from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import cas_backend, oidc_backend

urlpatterns = [
    path(
        "oidc/start/",
        OIDCAuthenticationRequestView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        oidc_backend.CallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("cas/login/", cas_backend.LoginView.as_view(), name="cas_ng_login"),
]
