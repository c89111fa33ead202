"""The demo's first sign-in: a few staff of the demo county who have not signed in
get codes, printed by seed_demo, so the journey can be tried at once (HR issues more
in the back office and downloads the sheet)."""

from __future__ import annotations

from django.utils import timezone

from accounts import codes
from accounts.models import SigninCode
from learning.organisation.models import Department

# The window service section of the administrative approval service bureau: new
# staff there are the ones a county activates first.
DEMO_DEPARTMENT = "QX-XZSP"
DEMO_PEOPLE = 3


def seed() -> list[codes.IssuedCode]:
    """Codes for the first DEMO_PEOPLE not-yet-activated staff of DEMO_DEPARTMENT
    that hold no valid code; none when they all still do (a second run changes
    nothing)."""
    department = Department.objects.filter(code=DEMO_DEPARTMENT).first()
    if department is None:
        return []
    people = list(
        codes.code_candidates(
            actor=None, department=department, not_activated_only=True
        )[:DEMO_PEOPLE]
    )
    holding = set(
        SigninCode.objects.filter(
            user_id__in=[p.user_id for p in people],
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("user_id", flat=True)
    )
    missing = [p for p in people if p.user_id not in holding]
    if not missing:
        return []
    return codes.signin_codes_issue(actor=None, profiles=missing)
