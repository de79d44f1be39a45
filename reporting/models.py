"""The final report (slutredovisning): its sections, its workflow and what was submitted.

A report belongs to one agreement. Narrative text lives in ReportSection rows; everything
generated is built on demand by reporting/final_report/content.py. Submitting freezes the rendered
HTML, the PDF and a JSON snapshot of every number in a SubmittedReport, which is never changed.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.concurrency import VersionedModel


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class FinalReport(VersionedModel):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("final report", "Draft")
        IN_REVIEW = "in_review", pgettext_lazy("final report", "In review")
        APPROVED = "approved", pgettext_lazy("final report", "Approved")
        SUBMITTED = "submitted", pgettext_lazy("final report", "Submitted")

    agreement = models.OneToOneField(
        "agreement.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="final_report",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("final report")
        verbose_name_plural = _("final reports")
        ordering = ["-agreement__final_report_due"]

    def __str__(self) -> str:
        return f"{_('Final report')}: {self.agreement}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report-detail", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.state == self.State.SUBMITTED

    @property
    def is_editable(self) -> bool:
        """Text can be changed only while the report is a draft; review sends it back first."""
        return self.state == self.State.DRAFT


class ReportSection(VersionedModel):
    """One section of the report, in order. Per-initiative narratives carry their initiative."""

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", _("Written text")
        GENERATED = "generated", _("Generated from the data, with written text")

    report = models.ForeignKey(
        FinalReport,
        verbose_name=_("final report"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.SlugField(_("key"), max_length=40)
    title = models.CharField(_("heading"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_(
            "Markdown: # for headings, - for lists, *emphasis*, **bold**, [text](https://…) "
            "for links."
        ),
    )
    text_required = models.BooleanField(_("text required before submission"), default=True)
    initiative = models.ForeignKey(
        "agreement.Initiative",
        verbose_name=_("initiative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="report_section_key_unique")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_written(self) -> bool:
        return bool(self.body.strip())

    @property
    def is_custom(self) -> bool:
        return self.key.startswith("custom-")


class WriteOnceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(self.model.CHANGE_REFUSED)

    def delete(self):
        raise ValidationError(self.model.DELETE_REFUSED)


class WriteOnce(models.Model):
    """A record written once and never changed or deleted, in the portal or the admin."""

    CHANGE_REFUSED = _("This record cannot be changed.")
    DELETE_REFUSED = _("This record cannot be deleted.")

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise ValidationError(self.CHANGE_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.DELETE_REFUSED)


class SubmittedReport(WriteOnce):
    """What was submitted, byte for byte, with SHA-256 checksums; written once, never changed."""

    report = models.OneToOneField(
        FinalReport,
        verbose_name=_("final report"),
        on_delete=models.PROTECT,
        related_name="submitted",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by_label = models.CharField(_("submitted by"), max_length=200)
    html = models.TextField(_("HTML"))
    html_sha256 = models.CharField(_("HTML checksum (SHA-256)"), max_length=64)
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("PDF checksum (SHA-256)"), max_length=64)
    snapshot_json = models.TextField(_("numbers (JSON)"))
    snapshot_sha256 = models.CharField(_("JSON checksum (SHA-256)"), max_length=64)
    xlsx = models.BinaryField(_("tables (XLSX)"))
    xlsx_sha256 = models.CharField(_("XLSX checksum (SHA-256)"), max_length=64)

    CHANGE_REFUSED = _("A submitted report cannot be changed.")
    DELETE_REFUSED = _("A submitted report cannot be deleted.")

    class Meta:
        verbose_name = _("submitted final report")
        verbose_name_plural = _("submitted final reports")

    def __str__(self) -> str:
        return f"{self.report} ({self.submitted_at:%Y-%m-%d})"

    def checksums_match(self) -> dict[str, bool]:
        return {
            "html": sha256(self.html) == self.html_sha256,
            "pdf": sha256(bytes(self.pdf)) == self.pdf_sha256,
            "json": sha256(self.snapshot_json) == self.snapshot_sha256,
            "xlsx": sha256(bytes(self.xlsx)) == self.xlsx_sha256,
        }


class RoundPublication(WriteOnce):
    """A closed round's figures as outside readers see them: computed once, never changed.

    `figures_json` is what the government, organisers and the public may see (withheld cells
    are empty, with their reason); `withheld_json` holds the withheld values, for staff only.
    """

    round = models.OneToOneField(
        "readiness.ReportingRound",
        verbose_name=_("reporting round"),
        on_delete=models.PROTECT,
        related_name="publication",
    )
    published_at = models.DateTimeField(_("published"))
    published_by_label = models.CharField(_("published by"), max_length=200)
    figures_json = models.TextField(_("published figures (JSON)"))
    figures_sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    withheld_json = models.TextField(_("withheld figures (JSON, staff only)"))

    CHANGE_REFUSED = _("A publication cannot be changed.")
    DELETE_REFUSED = _("A publication cannot be deleted.")

    class Meta:
        verbose_name = _("published round")
        verbose_name_plural = _("published rounds")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.round} ({self.published_at:%Y-%m-%d})"

    def checksum_matches(self) -> bool:
        return sha256(self.figures_json) == self.figures_sha256


class ReportReminder(models.Model):
    """A due-date reminder sent for one agreement at one threshold (30, 14 or 7 days); sent once."""

    agreement = models.ForeignKey(
        "agreement.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="final_report_reminders",
    )
    days_before = models.PositiveSmallIntegerField(_("days before the due date"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("final report reminder")
        verbose_name_plural = _("final report reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days_before"], name="one_report_reminder_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.days_before}"


class ArchivalPackage(WriteOnce):
    """The submitted report as an information package for e-archiving (reporting/archive.py):
    made once, by a worker, from the frozen files; never changed."""

    report = models.ForeignKey(
        FinalReport,
        verbose_name=_("final report"),
        on_delete=models.PROTECT,
        related_name="archival_packages",
    )
    object_id = models.CharField(_("package identity (OBJID)"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("made"))
    created_by_label = models.CharField(_("made for"), max_length=200)
    package = models.BinaryField(_("archival package (ZIP)"))
    package_sha256 = models.CharField(_("archival package checksum (SHA-256)"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    CHANGE_REFUSED = _("An archival package cannot be changed.")
    DELETE_REFUSED = _("An archival package cannot be deleted.")

    class Meta:
        verbose_name = _("archival package")
        verbose_name_plural = _("archival packages")
        constraints = [
            models.UniqueConstraint(fields=["report"], name="one_archival_package_per_report")
        ]

    def __str__(self) -> str:
        return self.object_id

    def checksum_matches(self) -> bool:
        return sha256(bytes(self.package)) == self.package_sha256
