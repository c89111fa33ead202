"""Sign-in's back-office screens: HR's first sign-in codes."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts import codes_admin

urlpatterns = [
    path("", codes_admin.codes_issue_view, name="issue"),
    path("<str:batch>/", codes_admin.codes_batch_view, name="batch"),
    path("<str:batch>/sheet.<str:fmt>", codes_admin.codes_sheet_view, name="sheet"),
    path("<str:batch>/forget/", codes_admin.codes_batch_forget_view, name="forget"),
]


@hooks.register("register_admin_urls")
def register_signin_code_urls():
    return [path("signin-codes/", include((urlpatterns, "signin_codes")))]


class SigninCodesMenuItem(MenuItem):
    def is_shown(self, request):
        return codes_admin.may_issue_codes(request.user)


@hooks.register("register_admin_menu_item")
def register_signin_codes_menu_item():
    return SigninCodesMenuItem(
        gettext_lazy("Sign-in codes"),
        reverse("signin_codes:issue"),
        icon_name="key",
        order=306,
    )
