"""Stored xAPI statements, the launches the server issued for H5P activities, and
the credentials other tools use to reach the LRS."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Credit(models.TextChoices):
    """What a stored statement counted for. Only COUNTED changes results and
    evidence; every other value is the reason it did not."""

    COUNTED = "counted", _("Counted")
    NOT_FINAL = "not_final", _("Not a result (not a final statement)")
    FOREIGN = "foreign", _("Activity of another site")
    UNKNOWN_ACTIVITY = "unknown_activity", _("No such activity on this site")
    NO_LEARNER = "no_learner", _("Actor is not a person of this site")
    NO_REGISTRATION = "no_registration", _("No launch registration")
    BAD_REGISTRATION = (
        "bad_registration",
        _("Registration not issued for this person and activity"),
    )
    EXPIRED = "expired", _("Launch expired")
    NOT_ENROLLED = "not_enrolled", _("Not enrolled in the course")
    TOO_FAST = "too_fast", _("Passed sooner than the activity can be answered")
    VOIDING = "voiding", _("Voiding statement")


class LRSCredential(models.Model):
    """A key and secret a site admin gave a tool (HTTP Basic). Only a hash of the
    secret is kept; the tool reads and writes statements of the people in one
    department subtree, as its rights allow."""

    label = models.CharField(_("name"), max_length=120)
    key = models.CharField(_("key"), max_length=40, unique=True, editable=False)
    # SHA-256 of a 256-bit random secret: a slow password hash adds nothing for a
    # secret this long and would cost every request of the tool a fraction of a second.
    secret_hash = models.CharField(max_length=64, editable=False)
    department = models.ForeignKey(
        "learning.Department",
        verbose_name=_("department scope"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    can_read = models.BooleanField(_("may read statements"), default=True)
    can_write = models.BooleanField(_("may write statements"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("LRS credential")
        verbose_name_plural = _("LRS credentials")

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LaunchRegistration(models.Model):
    """A launch of an H5P activity as used: the registration the server handed to
    the learner's player when it rendered the activity (signed, so the page view
    itself writes nothing; see services.launches_issue), recorded with the person,
    activity and enrollment it is bound to when its first statement arrives."""

    registration = models.UUIDField(_("registration"), unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    activity_iri = models.CharField(_("activity"), max_length=500)
    enrollment = models.ForeignKey(
        "learning.Enrollment",
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"))
    first_used_at = models.DateTimeField(_("first statement at"))

    class Meta:
        verbose_name = _("launch registration")
        verbose_name_plural = _("launch registrations")
        indexes = [models.Index(fields=["learner", "issued_at"])]

    def __str__(self) -> str:
        return str(self.registration)


class XAPIStatement(models.Model):
    """One xAPI statement, kept verbatim with the server's stored, authority and
    version, and the fields the record queries pulled out."""

    statement_id = models.UUIDField(_("statement id"), unique=True)
    # The site person the actor names (the signed-in learner, or a person a tool
    # wrote about); empty when the actor is nobody of this site.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.PROTECT,
        related_name="xapi_statements",
        null=True,
        blank=True,
    )
    credential = models.ForeignKey(
        LRSCredential,
        verbose_name=_("written by tool"),
        on_delete=models.PROTECT,
        related_name="statements",
        null=True,
        blank=True,
    )
    # The actor's identifier ("mbox:mailto:…", "account:<homePage>|<name>", …), for
    # the agent filter.
    actor_ifi = models.CharField(_("actor"), max_length=600, db_index=True, default="")
    verb = models.CharField(_("verb"), max_length=255, db_index=True)
    # The object's id: an activity IRI, a statement id (StatementRef) or an agent's
    # identifier, as the object type says.
    activity_iri = models.CharField(_("activity"), max_length=500, db_index=True)
    # The statement a StatementRef object targets (voiding, and the query rule that
    # a statement about a matching statement matches too).
    statement_ref = models.UUIDField(null=True, blank=True, db_index=True)
    registration = models.UUIDField(_("registration"), null=True, blank=True)
    timestamp = models.DateTimeField(_("timestamp"))
    # Set by the server (the same value as the body's "stored"), never by the client.
    stored = models.DateTimeField(_("stored"), default=timezone.now, editable=False)
    # The statement's scaled score, or raw / max when it gave no scaled score.
    score_scaled = models.DecimalField(
        _("scaled score"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    success = models.BooleanField(_("success"), null=True, blank=True)
    completion = models.BooleanField(_("completion"), null=True, blank=True)
    # A top-level answered/completed/passed/failed statement about an activity.
    is_final = models.BooleanField(_("final result"), default=False)
    credit = models.CharField(
        _("credit"), max_length=20, choices=Credit.choices, default=Credit.NOT_FINAL
    )
    voided = models.BooleanField(_("voided"), default=False)
    # The actor and the object when it is an Agent or Group, with a group's members
    # (the agent filter); then the activities and agents the statement mentions
    # anywhere (related_activities,
    # related_agents), space-separated and bracketed for an exact `contains` match.
    agents = models.TextField(blank=True, default="")
    related_activities = models.TextField(blank=True, default="")
    related_agents = models.TextField(blank=True, default="")
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    body = models.JSONField(_("statement"))

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [
            models.Index(fields=["learner", "activity_iri"]),
            models.Index(fields=["learner", "stored"]),
            models.Index(fields=["stored"]),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)
