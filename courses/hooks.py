"""Where course pages meet the learner record. The record lives in a higher app
(learning/), which registers Wagtail hooks named `courses_<kind>_context`; each
returns extra template context for a page. Without them the pages still render, as
a plain catalog."""

from wagtail import hooks


def learner_context(kind: str, request, page, **kwargs) -> dict:
    context: dict = {}
    for fn in hooks.get_hooks(f"courses_{kind}_context"):
        context.update(fn(request, page, **kwargs))
    return context
