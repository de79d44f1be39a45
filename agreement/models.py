"""The agreement's work programme: agreements, their funding and the activities that spend it."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.concurrency import VersionedModel

AMOUNT = {"max_digits": 14, "decimal_places": 2}


class AgreementQuerySet(models.QuerySet):
    """Status follows from the period and the submission date, so a query can ask for it."""

    def reported(self):
        return self.filter(reported_on__isnull=False)

    def not_reported(self):
        return self.filter(reported_on__isnull=True)

    def active_on(self, day: datetime.date):
        return self.not_reported().filter(ends_on__gte=day)

    def ended_on(self, day: datetime.date):
        return self.not_reported().filter(ends_on__lt=day)


class Agreement(models.Model):
    """An agreement's status is never stored: it is active until its period ends, then ended,
    and ended and reported once its final report is submitted (`reported_on`)."""

    class Status(models.TextChoices):
        # A context of their own: "Active" alone is an organiser's "Aktiv" in principals.
        ACTIVE = "active", pgettext_lazy("agreement status", "Active")
        ENDED = "ended", pgettext_lazy("agreement status", "Ended")
        REPORTED = "reported", pgettext_lazy("agreement status", "Ended, final report submitted")

    title = models.CharField(_("title"), max_length=300)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    government_party = models.CharField(
        _("government party"), max_length=200, default="Regeringen (Utbildningsdepartementet)"
    )
    counterparty = models.CharField(
        _("counterparty"), max_length=200, default="Sveriges Kommuner och Regioner (SKR)"
    )
    signed_on = models.DateField(_("signed"))
    starts_on = models.DateField(_("period start"))
    ends_on = models.DateField(_("period end"))
    final_report_due = models.DateField(_("final report due"))
    description = models.TextField(_("description"), blank=True)
    reported_on = models.DateField(
        _("final report submitted"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the final report is submitted."),
    )
    initiatives = models.ManyToManyField(
        "Initiative", verbose_name=_("initiatives"), blank=True, related_name="agreements"
    )
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement:agreement-detail", args=[self.pk])

    def status_on(self, day: datetime.date) -> str:
        if self.reported_on is not None:
            return self.Status.REPORTED
        if self.ends_on is not None and day > self.ends_on:
            return self.Status.ENDED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def days_to_final_report(self, today: datetime.date | None = None) -> int:
        return (self.final_report_due - (today or timezone.localdate())).days


class FundingYear(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="funding_years",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    allocated = models.DecimalField(
        _("allocated amount (SEK)"), **AMOUNT, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("funding year")
        verbose_name_plural = _("funding years")
        ordering = ["agreement", "year"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "year"], name="one_funding_year_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.agreement})"

    def get_absolute_url(self) -> str:
        return reverse("agreement:fundingyear-update", args=[self.pk])


class Initiative(models.Model):
    """One of the 18 initiatives of the national action plan #skolDigiplan."""

    class Status(models.TextChoices):
        DECIDED = "decided", _("Decided")
        IN_PREPARATION = "in_preparation", _("Being prepared / work in progress")
        UNDER_INQUIRY = "under_inquiry", _("Under inquiry / partly commissioned")
        NOT_STARTED = "not_started", _("Not started")

    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(18)]
    )
    title = models.CharField(_("title"), max_length=300)
    purpose = models.TextField(_("purpose"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("In the words of SKR's status list. Leave empty if not known."),
    )
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    lead_actor = models.CharField(_("lead actor"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("agreement:initiative-detail", args=[self.pk])


class Commitment(models.Model):
    """What the agreement obliges SKR to do, in (a faithful summary of) the agreement's words."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="commitments"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("short title"), max_length=200)
    text = models.TextField(_("text"))
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the text comes from, and whether it is a quote or a summary."),
    )
    initiatives = models.ManyToManyField(
        Initiative, verbose_name=_("initiatives"), blank=True, related_name="commitments"
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["agreement", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement:commitment-update", args=[self.pk])


class Partner(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agreement:partner-detail", args=[self.pk])


class Rating(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


class ActivityQuerySet(models.QuerySet):
    def current(self):
        return self.filter(archived_at__isnull=True)

    def with_latest_rating(self):
        latest = ProgressUpdate.objects.filter(activity=models.OuterRef("pk")).order_by(
            "-reported_on", "-pk"
        )
        return self.annotate(
            latest_rating=models.Subquery(latest.values("rating")[:1]),
            latest_update_on=models.Subquery(latest.values("reported_on")[:1]),
        )

    def with_overdue_count(self, today: datetime.date | None = None):
        today = today or datetime.date.today()
        overdue = (
            Milestone.objects.filter(activity=models.OuterRef("pk"))
            .overdue(today)
            .order_by()
            .values("activity")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(overdue_milestones=Coalesce(models.Subquery(overdue), 0))

    def with_spent(self):
        spent = (
            Cost.objects.filter(activity=models.OuterRef("pk"))
            .order_by()
            .values("activity")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        budget = (
            ActivityBudget.objects.filter(activity=models.OuterRef("pk"))
            .order_by()
            .values("activity")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        zero = models.Value(0, output_field=models.DecimalField(**AMOUNT))
        return self.annotate(
            spent=Coalesce(models.Subquery(spent), zero),
            budgeted=Coalesce(models.Subquery(budget), zero),
        )


class Activity(VersionedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    initiatives = models.ManyToManyField(
        Initiative, verbose_name=_("initiatives"), blank=True, related_name="activities"
    )
    commitments = models.ManyToManyField(
        Commitment, verbose_name=_("commitments"), blank=True, related_name="activities"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_activities",
    )
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partners"), blank=True, related_name="activities"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["planned_start", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement:activity-detail", args=[self.pk])


class ActivityBudget(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="budgets"
    )
    funding_year = models.ForeignKey(
        FundingYear,
        verbose_name=_("funding year"),
        on_delete=models.PROTECT,
        related_name="budgets",
    )
    amount = models.DecimalField(_("budget (SEK)"), **AMOUNT, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("activity budget")
        verbose_name_plural = _("activity budgets")
        ordering = ["funding_year__year"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "funding_year"], name="one_budget_per_activity_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.funding_year.year}"


class MilestoneQuerySet(models.QuerySet):
    def open(self):
        return self.filter(completed_on__isnull=True)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(due_on__lt=today or datetime.date.today())

    def due_within(self, days: int, today: datetime.date | None = None):
        today = today or datetime.date.today()
        return self.open().filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days))


class Milestone(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    due_on = models.DateField(_("due date"), db_index=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement:milestone-update", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.completed_on is None and self.due_on < (today or datetime.date.today())


class Deliverable(models.Model):
    """What an activity delivered, and whom it reached: the programme's evidence of reach."""

    class Kind(models.TextChoices):
        GUIDANCE = "guidance", _("Guidance or publication")
        WEBINAR = "webinar", _("Webinar")
        NETWORK = "network", _("Network meeting")
        TRAINING = "training", _("Training")
        PROCUREMENT = "procurement", _("Procurement support")
        TOOL = "tool", _("Tool")
        OTHER = "other", _("Other")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="deliverables"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    delivered_on = models.DateField(_("date"))
    link = models.URLField(_("link"), blank=True)
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    principals = models.ManyToManyField(
        "principals.Principal",
        verbose_name=_("school organisers that took part"),
        blank=True,
        related_name="deliverables",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["delivered_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement:deliverable-update", args=[self.pk])


class Cost(models.Model):
    class Category(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        CONSULTANTS = "consultants", _("Consultants")
        EVENTS = "events", _("Events")
        LICENCES = "licences", _("Licences and tools")
        OTHER = "other", _("Other")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="costs"
    )
    incurred_on = models.DateField(_("date"), db_index=True)
    amount = models.DecimalField(_("amount (SEK)"), **AMOUNT)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["incurred_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="cost_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.incurred_on} {self.get_category_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("agreement:cost-update", args=[self.pk])


class ProgressUpdate(models.Model):
    """Never edited once saved: a correction is a new update, so the history stays true."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="updates"
    )
    reported_on = models.DateField(_("date"))
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    done = models.TextField(_("what was done"))
    next_steps = models.TextField(_("what comes next"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-reported_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.activity}: {self.reported_on} ({self.get_rating_display()})"
