"""The readiness self-assessment: a versioned framework, reporting rounds and versioned answers.

Answers are stored per immutable AssessmentVersion as JSON keyed by indicator code
({code: {"value": ..., "comment": "..."}}): one row per version keeps reads flat and diffs
simple, and each version points at the framework version it answered.
"""

import functools
import textwrap

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.concurrency import VersionedModel
from principals.models import Principal


class Rating(models.TextChoices):
    """LIKA's rating scale, the default scale of rating indicators."""

    ACHIEVED = "achieved", _("Achieved")
    ALMOST = "almost", _("Almost there")
    STARTED = "started", _("Started")
    PLANNED = "planned", _("Planned")
    NOT_PLANNED = "not_planned", _("Not planned")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


DNP_TAG = "DNP"
# Whole-number answers: the default highest answer (a head count), and the highest any
# framework may allow, so sums over every organiser stay far inside 64 bits.
DEFAULT_MAX_VALUE = 1_000_000
LARGEST_MAX_VALUE = 1_000_000_000_000


class FrameworkVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=FrameworkVersion.Status.PUBLISHED)


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Area(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion,
        verbose_name=_("framework version"),
        on_delete=models.CASCADE,
        related_name="areas",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["framework", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    class AnswerType(models.TextChoices):
        RATING = "rating", _("Rating scale")
        YES_NO = "yes_no", _("Yes or no")
        SINGLE_CHOICE = "single_choice", _("One choice of a list")
        MULTI_CHOICE = "multi_choice", _("Several choices")
        PERCENTAGE = "percentage", _("Percentage 0–100")
        INTEGER = "integer", _("Whole number")
        TEXT = "text", _("Free text")

    class Initiative(models.IntegerChoices):
        SECURE_ACCESS = 11, _("11 Secure and efficient access to digital resources")
        USER_CENTRED = 12, _("12 User-centred competence")
        ECOSYSTEMS = 13, _("13 Procurement, technical solutions and infrastructure")

    framework = models.ForeignKey(
        FrameworkVersion,
        verbose_name=_("framework version"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    question = models.TextField(_("question"))
    help_text = models.TextField(
        _("help text"), blank=True, help_text=_("What to do next; shown in the action plan.")
    )
    answer_type = models.CharField(_("answer type"), max_length=20, choices=AnswerType.choices)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice types: a list of {"value": ..., "label": ...}.'),
    )
    achieved_values = models.JSONField(
        _("values counted as achieved"),
        default=list,
        blank=True,
        help_text=_("For choice types: answers that keep the indicator out of the action plan."),
    )
    required = models.BooleanField(_("required"), default=True)
    min_value = models.BigIntegerField(
        _("lowest answer"),
        default=0,
        help_text=_("Whole-number questions: the lowest answer accepted."),
    )
    max_value = models.BigIntegerField(
        _("highest answer"),
        default=DEFAULT_MAX_VALUE,
        help_text=_("Whole-number questions: the highest answer accepted."),
    )
    initiative = models.PositiveSmallIntegerField(_("initiative"), choices=Initiative.choices)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "area__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="indicator_code_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__gte=0)
                & models.Q(max_value__gte=models.F("min_value"))
                & models.Q(max_value__lte=LARGEST_MAX_VALUE),
                name="indicator_bounds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.short_question

    @property
    def short_question(self) -> str:
        """The question, cut at a word with an ellipsis when long (selects, admin lists)."""
        return _shorten(self.question)

    def clean(self) -> None:
        if self.min_value is None or self.max_value is None:
            return
        if self.min_value < 0:
            raise ValidationError({"min_value": _("The lowest answer must be 0 or more.")})
        if self.max_value < self.min_value:
            raise ValidationError(
                {"max_value": _("The highest answer must not be below the lowest.")}
            )
        if self.max_value > LARGEST_MAX_VALUE:
            raise ValidationError(
                {
                    "max_value": _("The highest answer can be at most %(n)s.")
                    % {"n": f"{LARGEST_MAX_VALUE:,}".replace(",", "\xa0")}
                }
            )

    @property
    def is_dnp(self) -> bool:
        return DNP_TAG in (self.tags or [])

    def options(self) -> list[tuple[str, str]]:
        """(value, label) pairs for the answer types that offer choices."""
        if self.answer_type in _SCALES:
            return list(_scale_options(self.answer_type, get_language()))
        return [(str(c["value"]), str(c["label"])) for c in self.choices or []]

    def option_values(self) -> list[str]:
        """The values of options(), in its order, without translating a label."""
        scale = _SCALES.get(self.answer_type)
        if scale is not None:
            return list(scale.values)
        return [str(c["value"]) for c in self.choices or []]


_SCALES = {Indicator.AnswerType.RATING: Rating, Indicator.AnswerType.YES_NO: YesNo}


@functools.cache
def _scale_options(answer_type: str, language: str | None) -> tuple[tuple[str, str], ...]:
    """A fixed scale's options in one language, translated once per process (a dashboard
    counts several hundred answers against them)."""
    return tuple((str(v), str(label)) for v, label in _SCALES[answer_type].choices)


@functools.lru_cache(maxsize=1024)
def _shorten(question: str) -> str:
    return textwrap.shorten(question, width=90, placeholder=" …")


class ReportingRoundQuerySet(models.QuerySet):
    def open_on(self, day):
        return self.filter(opens_on__lte=day, closes_on__gte=day, closed_at__isnull=True)

    def open_now(self):
        return self.open_on(timezone.localdate())


def round_code(name: str) -> str:
    """A round's code from its name (ReportingRound.code), also for records that carry only
    the name."""
    return slugify(name)


class ReportingRound(models.Model):
    """An uppföljningsomgång. Its status follows from the dates and an explicit close."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", pgettext_lazy("round", "Not yet open")
        OPEN = "open", pgettext_lazy("round", "Open")
        CLOSED = "closed", pgettext_lazy("round", "Closed")

    name = models.CharField(_("name"), max_length=200, unique=True)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    framework_version = models.ForeignKey(
        FrameworkVersion,
        verbose_name=_("framework version"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    closed_at = models.DateTimeField(_("closed early"), null=True, blank=True)
    published_at = models.DateTimeField(
        _("figures published"),
        null=True,
        blank=True,
        help_text=_("When the round's figures were published; after that it cannot reopen."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReportingRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The round's code in the API's addresses and records: its name in lower case with
        dashes ("hosten-2025"). A name never changes once the round exists, and round_create
        refuses a name whose code another round has, so a code names one round for good."""
        return round_code(self.name)

    def status_on(self, day) -> str:
        if self.closed_at is not None or day > self.closes_on:
            return self.Status.CLOSED
        if day < self.opens_on:
            return self.Status.UPCOMING
        return self.Status.OPEN

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AssessmentQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(state=Assessment.State.SUBMITTED)

    def in_progress(self):
        return self.filter(state__in=[Assessment.State.DRAFT, Assessment.State.RETURNED])


class Assessment(VersionedModel):
    """An organiser's self-assessment in one round; `version` is the optimistic-lock counter."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")

    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    round = models.ForeignKey(
        ReportingRound,
        verbose_name=_("reporting round"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NOT_STARTED, db_index=True
    )
    current = models.ForeignKey(
        "AssessmentVersion",
        verbose_name=_("last submitted version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    draft = models.ForeignKey(
        "AssessmentVersion",
        verbose_name=_("draft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_comment = models.TextField(_("comment on return"), blank=True)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(fields=["principal", "round"], name="one_assessment_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.principal} – {self.round}"

    @property
    def working(self):
        """The version a form opens with: the unsubmitted draft, else the last submission."""
        return self.draft or self.current


class AssessmentVersion(models.Model):
    """One immutable snapshot of the answers; drafts and submissions alike are never changed."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft saved")
        SUBMITTED = "submitted", _("Submitted")

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("self-assessment"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    framework_version = models.ForeignKey(
        FrameworkVersion,
        verbose_name=_("framework version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answers = models.JSONField(_("answers"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_label = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("self-assessment version")
        verbose_name_plural = _("self-assessment versions")
        ordering = ["assessment", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        # Not the stored number: organisers number submissions 1, 2, … (selectors).
        when = (
            timezone.localtime(self.created_at).strftime(" %Y-%m-%d %H:%M")
            if self.created_at
            else ""
        )
        return f"{self.assessment}, {self.get_kind_display().lower()}{when}"


class Reminder(models.Model):
    """A reminder e-mail sent to one organiser about one round; the 24-hour rule reads these."""

    round = models.ForeignKey(
        ReportingRound,
        verbose_name=_("reporting round"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.CASCADE,
        related_name="readiness_reminders",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    sent_by_label = models.CharField(_("sent by"), max_length=200, blank=True)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["round", "principal", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.round} – {self.principal} {self.sent_at:%Y-%m-%d %H:%M}"


class CountedSubmission(models.Model):
    """What the running tally counts for one assessment: its submitted version and the register
    facts it was counted under, so a later change can take exactly that out again.

    One row per assessment that is submitted, has a current version and belongs to an active
    organiser; readiness/tally.py keeps these and AnswerCount in step in the same transaction
    as each submission, return and register change.
    """

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(AssessmentVersion, on_delete=models.CASCADE, related_name="+")
    organiser_type = models.CharField(max_length=10)
    county_id = models.IntegerField()  # 0: no county given (a null would defeat the unique key)
    size_band = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("counted submission")
        verbose_name_plural = _("counted submissions")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.version_id}"


class AnswerCount(models.Model):
    """The running tally of one round's submitted answers, per organiser type × county × size band.

    `code` is an indicator's code, or "" for the submission itself; `answer` is the answer as
    JSON text for questions with options, or a marker: "#n" (submissions), "#ready" (meets every
    DNP indicator), "#a" (a whole number or text was given; `total` sums whole numbers).
    """

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="+")
    organiser_type = models.CharField(max_length=10)
    county_id = models.IntegerField()
    size_band = models.CharField(max_length=20)
    code = models.CharField(max_length=64)
    answer = models.TextField()
    n = models.BigIntegerField(default=0)
    total = models.DecimalField(max_digits=40, decimal_places=0, default=0)

    class Meta:
        verbose_name = _("answer count")
        verbose_name_plural = _("answer counts")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organiser_type", "county_id", "size_band", "code", "answer"],
                name="answer_count_unique",
            )
        ]
        indexes = [models.Index(fields=["round", "code"], name="answer_count_code")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.code} {self.answer}: {self.n}"


class TalliedRound(models.Model):
    """A round whose tally is complete: built once from the submissions, then kept up to date.

    `changes` moves in the same transaction as any of the round's counters, so the counters
    read for a round can be kept (readiness.tally.counts) until the round's own tally moves:
    a submission in one round leaves every other round's counts as they were."""

    round = models.OneToOneField(
        ReportingRound, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    built_at = models.DateTimeField(default=timezone.now)
    changes = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("tallied round")
        verbose_name_plural = _("tallied rounds")

    def __str__(self) -> str:
        return str(self.round_id)
