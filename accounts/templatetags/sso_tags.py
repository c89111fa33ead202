"""The sign-in page's single sign-on part: `{% include "accounts/_sso_buttons.html" %}`
needs nothing from the view; the template asks `sign_in_ways` itself."""

from typing import Any

from django import template

from accounts import sso

register = template.Library()


@register.simple_tag(takes_context=True)
def sign_in_ways(context: template.Context) -> dict[str, Any]:
    """The configured identity platforms (buttons, in order) and whether the form
    also takes directory accounts."""
    request = context.get("request")
    return {
        "providers": sso.sso_providers(request),
        "directory": sso.ldap_enabled(),
    }
