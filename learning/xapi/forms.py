"""Back-office forms for a tool's LRS credential."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from learning.xapi.models import LRSCredential


class LRSCredentialForm(WagtailAdminModelForm):
    """What a site admin chooses for a new credential; the key and secret are made
    by credential_create."""

    class Meta:
        model = LRSCredential
        fields = ["label", "department", "can_read", "can_write"]
        help_texts = {
            "department": _(
                "The tool reads and writes statements only about people of this "
                "department and the units below it."
            ),
        }


class CredentialRevokeForm(forms.Form):
    """The confirm step of revoking a credential."""

    confirm = forms.BooleanField(
        label=_("The tool using this key stops working at once."), required=True
    )
