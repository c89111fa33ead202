from django import template
from django.contrib.auth import password_validation

register = template.Library()


@register.inclusion_tag("accounts/_password_rules.html")
def password_rules():
    """The password rules in force, as a list (from the validators themselves)."""
    return {"rules": password_validation.password_validators_help_texts()}
