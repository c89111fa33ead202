"""Back office for H5P packages: editors upload a .h5p file; the list shows each
package's title, main library and libraries."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from audit.limits import UPLOADS, rate_limited

from .services import h5p_package_store


class H5PUploadForm(forms.Form):
    upload = forms.FileField(
        label=_("H5P file"),
        help_text=_(
            "A .h5p file exported from an H5P editor (Lumi, Moodle, WordPress, "
            "h5p.com). It must contain every library it uses."
        ),
    )

    def clean_upload(self):
        # The package itself is checked once, by h5p_package_store as it extracts.
        upload = self.cleaned_data["upload"]
        if not upload.name.lower().endswith(".h5p"):
            raise forms.ValidationError(_("Choose a file ending in .h5p."))
        return upload


@rate_limited(UPLOADS)
def h5p_upload(request):
    """The upload page (/admin/h5p/upload/): editors with the add permission. A
    refused package is told on the form, with what to fix."""
    if not request.user.has_perm("courses.add_h5ppackage"):
        raise PermissionDenied
    form = H5PUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            package, created = h5p_package_store(
                upload=form.cleaned_data["upload"], user=request.user
            )
        except ValidationError as error:
            form.add_error("upload", error.messages)
        else:
            if created:
                messages.success(
                    request,
                    _("H5P package “%(title)s” uploaded.") % {"title": package.title},
                )
            else:
                messages.info(
                    request,
                    _(
                        "This file was uploaded before as “%(title)s”; that package "
                        "is used."
                    )
                    % {"title": package.title},
                )
            return redirect("wagtailsnippets_courses_h5ppackage:list")
    return TemplateResponse(
        request, "courses/admin/h5p_upload.html", {"form": form}, status=200
    )
