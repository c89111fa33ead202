from django.contrib.auth.decorators import login_required
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("first-sign-in/", views.first_signin, name="first_signin"),
    path(
        "first-sign-in/password/",
        views.first_signin_password,
        name="first_signin_password",
    ),
    path(
        "password/change/",
        login_required(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("two-factor/", views.two_factor, name="two_factor"),
]
