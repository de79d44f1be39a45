"""Cross-cutting records: the audit trail, the role permissions and the demo-data marker."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccess(models.Model):
    """Holds the portal's own permissions; it has no table. Groups get these in a migration."""

    class Meta:
        managed = False
        verbose_name = _("portal permissions")
        verbose_name_plural = _("portal permissions")
        default_permissions = ()
        permissions = [
            ("view_programme", _("Can view the work programme")),
            ("change_programme", _("Can change the work programme")),
            ("view_aggregates", _("Can view aggregated results")),
            ("manage_principals", _("Can manage school organisers and their users")),
            ("view_principal_data", _("Can view individual organisers' answers")),
            ("manage_rounds", _("Can manage reporting rounds and frameworks")),
            ("edit_final_report", _("Can write the final report")),
            ("approve_final_report", _("Can approve and submit the final report")),
        ]

    def __str__(self) -> str:
        return "portal access"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("The history cannot be changed."))

    def delete(self):
        raise ValidationError(_("The history cannot be deleted."))

    def for_object(self, obj: models.Model) -> "AuditEventQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    ARCHIVED = "archived", _("Archived")
    RESTORED = "restored", _("Restored")
    IMPORTED = "imported", _("Imported")
    DEACTIVATED = "deactivated", _("Deactivated")
    INVITED = "invited", _("Invited")
    INVITATION_RESENT = "invitation_resent", _("Invitation resent")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    MEMBER_ADDED = "member_added", _("Member added")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    DRAFT_SAVED = "draft_saved", _("Draft saved")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    REOPENED = "reopened", _("Reopened")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    OPENED = "opened", _("Opened")
    EXTENDED = "extended", _("Extended")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published")
    STATUS_CHANGED = "status_changed", _("Status changed")
    # Account security: the e-mailed code that must precede setting up or replacing a device.
    SIGN_IN_CODE_SENT = "sign_in_code_sent", _("Sign-in code e-mailed")
    SIGN_IN_CODE_CONFIRMED = "sign_in_code_confirmed", _("E-mailed sign-in code confirmed")
    SIGN_IN_CODE_BLOCKED = "sign_in_code_blocked", _("E-mailed sign-in code blocked")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-step verification set up")
    TWO_FACTOR_RECOVERED = "two_factor_recovered", _("Lost two-step device removed")
    # Retention (portal/retention.py) and the accessibility statement's feedback form.
    PURGED = "purged", _("Personal data past its retention period removed")
    FEEDBACK_RECEIVED = "feedback_received", _("Accessibility feedback received")


# Events that only record who drafted, was reminded or invited: they change no figure, so
# reporting's cache ignores them (reporting/cache.py; partial index below).
BOOKKEEPING_ACTIONS = (
    AuditAction.DRAFT_SAVED.value,
    AuditAction.REMINDER_SENT.value,
    AuditAction.INVITED.value,
    AuditAction.INVITATION_RESENT.value,
    AuditAction.INVITATION_REVOKED.value,
    AuditAction.INVITATION_ACCEPTED.value,
    AuditAction.MEMBER_ADDED.value,
    AuditAction.MEMBER_REMOVED.value,
)


class AuditEvent(models.Model):
    """One append-only row per change to organiser or programme data: who, when, what."""

    Action = AuditAction

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    action = models.CharField(_("event"), max_length=40, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-occurred_at"]),
            models.Index(
                fields=["id"],
                name="audit_figure_changes",
                condition=~models.Q(action__in=BOOKKEEPING_ACTIONS),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.object_repr}"


class EmailCode(models.Model):
    """A one-time code e-mailed to the account's address, kept only as a keyed hash.

    Proves that whoever knows the password also reads the account's e-mail, before a device
    for two-step verification is set up (or a lost one replaced). Rows are kept for a day so
    the number sent can be limited; a new code replaces the user's earlier one.
    """

    class Purpose(models.TextChoices):
        ENROL = "enrol", _("Set up two-step verification")
        RECOVER = "recover", _("Replace a lost device")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Not yet used")
        USED = "used", _("Used")
        REPLACED = "replaced", _("Replaced by a newer code")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_codes"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("e-mailed sign-in code")
        verbose_name_plural = _("e-mailed sign-in codes")
        indexes = [models.Index(fields=["user", "purpose", "status"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class DemoDatasetManager(models.Manager):
    CACHE_KEY = "portal:demo-dataset-present"

    def present(self) -> bool:
        """Whether demo data is loaded. Every page asks, so the answer is kept in the cache for
        a minute; saving or deleting the marker clears it (a per-process cache elsewhere may
        show or hide the notice up to a minute late)."""
        return cache.get_or_set(self.CACHE_KEY, self.exists, 60)


class DemoDataset(models.Model):
    """Present when `load_demo` has run, so every page can say that the data is not real."""

    loaded_at = models.DateTimeField(auto_now=True)

    objects = DemoDatasetManager()

    class Meta:
        verbose_name = _("demo data set")
        verbose_name_plural = _("demo data sets")

    def __str__(self) -> str:
        return f"Demo {self.loaded_at:%Y-%m-%d %H:%M}"


@receiver([post_save, post_delete], sender=DemoDataset)
def _demo_marker_changed(**kwargs) -> None:
    cache.delete(DemoDatasetManager.CACHE_KEY)


class OutgoingMail(models.Model):
    """One e-mail the portal means to send, and what became of it (the delivery record).

    Written in the same transaction as the change that causes it; a worker hands it to the mail
    server and writes "sent" only after the server accepted it (portal/outbox.py). The key names
    the message ("reminder:<pk>", "invitation:<pk>:<n>"): a second request for the same key
    does nothing, so a retried task or a double click never sends a message twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Waiting to be tried again")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    # What the message belongs to, for the page that shows its delivery ("round:12").
    topic = models.CharField(_("belongs to"), max_length=100, blank=True, db_index=True)
    label = models.CharField(_("for"), max_length=300, blank=True)
    to = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # Bodies with a sign-in code or a password link are emptied once handed over or given up.
    secret = models.BooleanField(_("holds a code or link"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    answer = models.TextField(_("mail server's answer"), blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    created_by_label = models.CharField(_("queued by"), max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Someone waits for a code or a link: those go before a batch of reminders.
            models.Index(
                fields=["-secret", "next_attempt_at"],
                name="outgoing_mail_due",
                condition=models.Q(status__in=["queued", "retrying"]),
            ),
            models.Index(fields=["topic", "status"], name="outgoing_mail_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)} ({self.get_status_display()})"


class Job(models.Model):
    """A long piece of work done by a worker for one person: its state, progress and result.

    The page at /jobb/<id>/ shows it to the person who asked; the result (a file, or a link to
    what was made) is stored here, so it outlives the worker that made it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("of"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("why it failed"), blank=True)
    summary = models.TextField(_("outcome"), blank=True)
    result_url = models.CharField(_("result page"), max_length=300, blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_type = models.CharField(_("file type"), max_length=100, blank=True)
    result = models.BinaryField(_("file"), null=True, blank=True)
    result_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


class AccessibilityFeedback(models.Model):
    """A message sent with the accessibility statement's form (lagen (2018:1937)): what
    the sender could not use, so programme staff can answer and fix it. Deleted after
    RETENTION_FEEDBACK_DAYS (portal/retention.py)."""

    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed in as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    page = models.CharField(_("page"), max_length=500, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"T{self.pk} {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def reference(self) -> str:
        """What the receipt names, so staff and sender speak of the same message."""
        return f"T{self.pk}"


class RetentionRun(models.Model):
    """One run of `retention_purge`: how many records of each kind it removed, no one's data."""

    ran_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    counts = models.JSONField(_("removed"), default=dict)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} ({sum(self.counts.values())})"
