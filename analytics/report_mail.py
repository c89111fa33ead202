"""The monthly leadership report by e-mail: the engine the worker runs.

On or after the 1st, every active leader with an e-mail address gets last month's
report on each department they lead (the top of their dashboard scope): the PDF
attached, a link to it, and its plain sentences in the body, in their language. A
DigestLog row (user, "monthly_report", "YYYY-MM") is claimed before the send, so a
leader gets one report a month however often the task runs or wherever a worker
dies; a failed send releases the claim for the next run.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.report import (
    LeadershipReport,
    ReportUnavailable,
    first_record_on,
    leadership_report,
    month_start,
    previous_month,
    report_filename,
)
from analytics.report_pdf import report_pdf
from analytics.scope import dashboard_scope
from learning import policy
from learning.curricula.models import DigestLog
from learning.notifications.email import _language_of
from learning.notifications.services import notification_create
from learning.organisation.models import Department, RoleScope

logger = logging.getLogger(__name__)

REPORT_KIND = "monthly_report"


def report_link(department: Department, month: datetime.date) -> str:
    """The report's address on the site (absolute, for an e-mail)."""
    query = urlencode({"department": department.pk, "month": month.strftime("%Y-%m")})
    path = f"{reverse('analytics:report_pdf')}?{query}"
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _reports_for(leader, *, month: datetime.date, now: datetime.datetime):
    """(report, pdf) for each top of the leader's scope that has people."""
    result: list[tuple[LeadershipReport, bytes]] = []
    for root in policy.dashboard_roots(leader):
        params = QueryDict(mutable=True)
        params["department"] = str(root.pk)
        scope = dataclasses.replace(
            dashboard_scope(leader, params), today=timezone.localdate(now), now=now
        )
        try:
            report = leadership_report(scope, month=month)
        except ReportUnavailable:
            continue  # nobody in that department: nothing to tell
        result.append((report, report_pdf(report)))
    return result


def _message(leader, reports, *, month: datetime.date):
    label = month.strftime("%Y-%m")
    site = str(settings.SITE_TITLE)
    if len(reports) == 1:
        subject = _("Leadership report for %(department)s, %(month)s") % {
            "department": reports[0][0].department.display_name,
            "month": label,
        }
    else:
        subject = _("Your leadership reports for %(month)s") % {"month": label}
    links = [
        (report, report_link(report.department, month)) for report, _pdf in reports
    ]
    lines = [
        _(
            "Your monthly report on the competencies, mandatory training and study "
            "hours of the units you lead is attached."
        ),
        "",
    ]
    for report, link in links:
        lines.append(f"{report.department.display_name} · {label}")
        lines += [f"- {sentence}" for sentence in report.sentences]
        lines += [link, ""]
    context = {"reports": links, "month": label, "site": site, "leader": leader}
    html = render_to_string("analytics/report_mail.html", context)
    return f"[{site}] {subject}", "\n".join(lines), html, links


def monthly_report_send(
    *, leader, month: datetime.date, now: datetime.datetime
) -> bool:
    """Send one leader the report for `month` once: build it, claim the month, send;
    False when there is nothing to send or it went before."""
    period = month.strftime("%Y-%m")
    if DigestLog.objects.filter(user=leader, kind=REPORT_KIND, period=period).exists():
        return False
    with translation.override(_language_of(leader)):
        reports = _reports_for(leader, month=month, now=now)
        if not reports:
            return False
        subject, text, html, links = _message(leader, reports, month=month)
        try:
            with transaction.atomic():
                claim = DigestLog.objects.create(
                    user=leader, kind=REPORT_KIND, period=period, sent_at=now
                )
        except IntegrityError:
            return False  # another run claimed it first
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[leader.email],
        )
        email.attach_alternative(html, "text/html")
        for report, pdf in reports:
            email.attach(
                report_filename(report.department, report.month_label),
                pdf,
                "application/pdf",
            )
        try:
            email.send()
        except Exception:
            claim.delete()  # the next run tries again
            raise
        notification_create(
            user=leader,
            kind=REPORT_KIND,
            subject=subject,
            body="\n".join(
                report.sentences[0] for report, _pdf in reports if report.sentences
            ),
            url=links[0][1],
            email=False,
        )
    return True


def monthly_reports_send(*, now: datetime.datetime | None = None) -> int:
    """The monthly run: each active leader with an e-mail address gets last month's
    report, once per month however often this runs. Returns how many went out;
    one leader's failed send is logged and retried on the next run."""
    now = now or timezone.now()
    month = previous_month(timezone.localdate(now))
    first = first_record_on()
    if first is None or month < month_start(first):
        return 0  # no records for that month yet
    leader_ids = set(
        RoleScope.objects.filter(
            role=RoleScope.Role.LEADER,
            user__is_active=True,
            department__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user_id", flat=True)
    )
    leader_ids -= set(
        DigestLog.objects.filter(
            kind=REPORT_KIND, period=month.strftime("%Y-%m"), user_id__in=leader_ids
        ).values_list("user_id", flat=True)
    )
    leaders = (
        get_user_model()
        .objects.filter(pk__in=leader_ids)
        .select_related("learner_profile")
        .order_by("pk")
    )
    sent = 0
    for leader in leaders:
        if not policy.can_use_dashboard(leader):
            continue  # a leaver whose scope was not yet taken away
        try:
            if monthly_report_send(leader=leader, month=month, now=now):
                sent += 1
        except Exception:
            logger.exception("monthly report for user %s not sent", leader.pk)
    return sent
