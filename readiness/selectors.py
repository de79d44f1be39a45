"""Reads for the readiness self-assessment, each a fixed number of queries."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery

from principals import selectors as principal_selectors
from principals.models import Principal

from .models import Assessment, AssessmentVersion, Indicator, Rating, Reminder, ReportingRound

Types = Indicator.AnswerType


# A published framework never changes (services and the admin change drafts only), so each
# process reads its indicators once: every form and answer page needs them.
_published_indicators: dict[tuple, list[Indicator]] = {}


def indicators_for(framework_version) -> list[Indicator]:
    """The framework's indicators in form order (a new list each call)."""
    published = framework_version.status == framework_version.Status.PUBLISHED
    key = (framework_version.pk, framework_version.published_at)
    if published and key in _published_indicators:
        return list(_published_indicators[key])
    indicators = list(
        Indicator.objects.filter(framework=framework_version)
        .select_related("area")
        .order_by("area__order", "area_id", "order", "id")
    )
    if published:
        _published_indicators[key] = indicators
    return list(indicators)


def group_by_area(indicators: list[Indicator]) -> list[tuple[Any, list[Indicator]]]:
    groups: list[tuple[Any, list[Indicator]]] = []
    for indicator in indicators:
        if not groups or groups[-1][0].pk != indicator.area_id:
            groups.append((indicator.area, []))
        groups[-1][1].append(indicator)
    return groups


def assessment_for(principal, reporting_round) -> Assessment | None:
    return (
        Assessment.objects.filter(principal=principal, round=reporting_round)
        .select_related("draft__created_by", "current__created_by")
        .first()
    )


def assessment_state(principal, reporting_round) -> Assessment | None:
    """The organiser's assessment in this round without its versions: what a page needs that
    shows kept parts keyed by the assessment's version (the history)."""
    return (
        Assessment.objects.filter(principal=principal, round=reporting_round)
        .only("pk", "version", "state", "principal_id", "round_id")
        .first()
    )


def assessment_and_previous(
    principal, reporting_round
) -> tuple[Assessment | None, Assessment | None]:
    """The organiser's assessment in this round and its last submission in an earlier round
    (for "last time you answered"), in one query: the form shows both."""
    opens_on = reporting_round.opens_on
    # At most two rows: an organiser has one assessment per round, and every earlier one
    # would bring its versions' answers along (the join is what costs, not the rows found).
    previous_pk = (
        Assessment.objects.filter(
            principal=principal, round__opens_on__lt=opens_on, current__isnull=False
        )
        .order_by("-round__opens_on")
        .values("pk")[:1]
    )
    rows = list(
        Assessment.objects.filter(principal=principal)
        .filter(Q(round=reporting_round) | Q(pk=Subquery(previous_pk)))
        .select_related("draft", "current")  # the form names no one: no users
    )
    this = next((row for row in rows if row.round_id == reporting_round.pk), None)
    previous = next((row for row in rows if row.round_id != reporting_round.pk), None)
    return this, previous


def display_value(indicator: Indicator, value) -> str:
    if value in (None, "", []):
        return ""
    labels = dict(indicator.options())
    if indicator.answer_type == Types.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if indicator.answer_type == Types.PERCENTAGE:
        return f"{value}\xa0%"
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def is_achieved(indicator: Indicator, value) -> bool:
    """Whether an answer keeps the indicator out of the action plan."""
    kind = indicator.answer_type
    if kind in (Types.TEXT, Types.INTEGER):
        return True
    if value in (None, "", []):
        return False
    if kind == Types.RATING:
        return value in (Rating.ACHIEVED, Rating.NOT_RELEVANT)
    if kind == Types.YES_NO:
        return value == "yes"
    if kind == Types.PERCENTAGE:
        return value == 100
    targets = set(indicator.achieved_values or [])
    if not targets:
        return True
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & targets)


@dataclass
class Progress:
    answered: int
    total: int
    required_left: int


def progress(indicators: list[Indicator], answers: dict) -> Progress:
    answered = required_left = 0
    for indicator in indicators:
        value = (answers.get(indicator.code) or {}).get("value")
        if value not in (None, "", []):
            answered += 1
        elif indicator.required:
            required_left += 1
    return Progress(answered=answered, total=len(indicators), required_left=required_left)


def action_plan(indicators: list[Indicator], answers: dict) -> list[dict]:
    """Indicators not yet achieved, DNP ones first, then in framework order."""
    rows = []
    for position, indicator in enumerate(indicators):
        answer = answers.get(indicator.code) or {}
        if is_achieved(indicator, answer.get("value")):
            continue
        rows.append(
            {
                "indicator": indicator,
                "answer": display_value(indicator, answer.get("value")),
                "comment": answer.get("comment", ""),
                "key": (not indicator.is_dnp, position),
            }
        )
    rows.sort(key=lambda row: row["key"])
    return rows


def answer_rows(indicators: list[Indicator], answers: dict, previous: dict | None = None):
    """Per indicator: the answer and comment for display, and last round's answer."""
    previous = previous or {}
    return [
        {
            "indicator": indicator,
            "answer": display_value(indicator, (answers.get(indicator.code) or {}).get("value")),
            "comment": (answers.get(indicator.code) or {}).get("comment", ""),
            "previous": display_value(indicator, (previous.get(indicator.code) or {}).get("value")),
        }
        for indicator in indicators
    ]


def diff_answers(indicators: list[Indicator], before: dict, after: dict) -> list[dict]:
    """Readable differences between two sets of answers, in framework order."""
    rows = []
    known = {i.code for i in indicators}
    for indicator in indicators:
        old = before.get(indicator.code) or {}
        new = after.get(indicator.code) or {}
        old_value = display_value(indicator, old.get("value"))
        new_value = display_value(indicator, new.get("value"))
        old_comment, new_comment = old.get("comment", ""), new.get("comment", "")
        if old_value != new_value or old_comment != new_comment:
            rows.append(
                {
                    "indicator": indicator,
                    "old": old_value,
                    "new": new_value,
                    "old_comment": old_comment,
                    "new_comment": new_comment,
                    "value_changed": old_value != new_value,
                    "comment_changed": old_comment != new_comment,
                }
            )
    for code in sorted((set(before) | set(after)) - known):
        if before.get(code) == after.get(code):
            continue
        rows.append(
            {
                "indicator": None,
                "code": code,
                "old": str((before.get(code) or {}).get("value", "")),
                "new": str((after.get(code) or {}).get("value", "")),
                "old_comment": "",
                "new_comment": "",
                "value_changed": True,
                "comment_changed": False,
            }
        )
    return rows


def versions_of(assessment: Assessment):
    return (
        AssessmentVersion.objects.filter(assessment=assessment)
        .select_related("created_by")
        .order_by("-number")
    )


# Submissions are numbered on their own: the stored `number` also counts every draft save, so
# the first submission after two drafts is stored as 3 but is "version 1" to everyone.


def submission_number(version: AssessmentVersion | None) -> int | None:
    """The submission's place among the assessment's submissions (1, 2, …); None for a draft."""
    if version is None or version.kind != AssessmentVersion.Kind.SUBMITTED:
        return None
    return AssessmentVersion.objects.filter(
        assessment_id=version.assessment_id,
        kind=AssessmentVersion.Kind.SUBMITTED,
        number__lte=version.number,
    ).count()


def submission_numbers(versions) -> dict[int, int]:
    """{stored number: submission number} for a complete list of one assessment's versions."""
    submitted = sorted(v.number for v in versions if v.kind == AssessmentVersion.Kind.SUBMITTED)
    return {number: place for place, number in enumerate(submitted, start=1)}


def submitted_version(assessment: Assessment, submission: int) -> AssessmentVersion | None:
    """The assessment's n-th submission, as receipts and their links number it."""
    if submission < 1:
        return None
    return (
        assessment.versions.filter(kind=AssessmentVersion.Kind.SUBMITTED)
        .select_related("created_by")
        .order_by("number")[submission - 1 : submission]
        .first()
    )


@dataclass
class Step:
    """One area of the framework as a step of the form, with how much of it is answered."""

    number: int
    area: Any
    indicators: list[Indicator]
    progress: Progress

    @property
    def is_complete(self) -> bool:
        return self.progress.answered == self.progress.total

    @property
    def is_ready(self) -> bool:
        """Every required question answered (optional ones may be left)."""
        return self.progress.required_left == 0 and self.progress.answered > 0

    @property
    def is_started(self) -> bool:
        return self.progress.answered > 0


def steps_for(indicators: list[Indicator], answers: dict) -> list[Step]:
    return [
        Step(number=n, area=area, indicators=items, progress=progress(items, answers))
        for n, (area, items) in enumerate(group_by_area(indicators), start=1)
    ]


# ---------------------------------------------------------------- staff


def principals_not_submitted(reporting_round: ReportingRound):
    submitted = Assessment.objects.filter(
        round=reporting_round, state=Assessment.State.SUBMITTED
    ).values("principal_id")
    return Principal.objects.active().exclude(pk__in=submitted).order_by("name")


@dataclass
class ReminderPlan:
    """Who a reminder run would e-mail now; the confirmation page and the run read the same."""

    targets: list[tuple[Principal, list[str]]]
    skipped_recent: int
    skipped_no_address: int

    @property
    def recipient_count(self) -> int:
        return len({email for _principal, emails in self.targets for email in emails})


def reminder_plan(reporting_round: ReportingRound, *, now, interval) -> ReminderPlan:
    """Organisers that have not submitted, less those reminded within `interval` and those
    without any address; each with its active members' addresses, else its own."""
    targets = list(principals_not_submitted(reporting_round))
    recent = set(
        Reminder.objects.filter(round=reporting_round, sent_at__gt=now - interval).values_list(
            "principal_id", flat=True
        )
    )
    emails = principal_selectors.active_member_emails([p.pk for p in targets])
    plan = ReminderPlan(targets=[], skipped_recent=0, skipped_no_address=0)
    for principal in targets:
        if principal.pk in recent:
            plan.skipped_recent += 1
            continue
        recipients = sorted(emails.get(principal.pk, ())) or (
            [principal.email] if principal.email else []
        )
        if not recipients:
            plan.skipped_no_address += 1
            continue
        plan.targets.append((principal, recipients))
    return plan


def round_counts(reporting_round: ReportingRound, principals=None) -> dict[str, int]:
    principals = principals if principals is not None else Principal.objects.active()
    states = dict(
        Assessment.objects.filter(round=reporting_round, principal__in=principals)
        .values_list("state")
        .annotate(n=Count("id"))
    )
    total = principals.count()
    submitted = states.get(Assessment.State.SUBMITTED, 0)
    in_progress = states.get(Assessment.State.DRAFT, 0) + states.get(Assessment.State.RETURNED, 0)
    return {
        "total": total,
        "submitted": submitted,
        "in_progress": in_progress,
        "not_started": total - submitted - in_progress,
    }


class CountedPaginator(Paginator):
    """A paginator told its count, for lists whose count another query already gave."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # the cached_property's own slot


def organiser_rows(reporting_round: ReportingRound, principals):
    """Organisers with their state, last activity, last reminder and members in this round."""
    mine = Assessment.objects.filter(round=reporting_round, principal=OuterRef("pk"))
    reminders = Reminder.objects.filter(round=reporting_round, principal=OuterRef("pk"))
    return (
        principals.annotate(
            assessment_state=Subquery(mine.values("state")[:1]),
            last_activity=Subquery(mine.values("updated_at")[:1]),
            last_reminded=Subquery(reminders.order_by("-sent_at").values("sent_at")[:1]),
        )
        .select_related("county")
        .prefetch_related(principal_selectors.members_prefetch())
        .order_by("name")
    )


def rounds_with_counts():
    return (
        ReportingRound.objects.select_related("framework_version")
        .annotate(
            submitted=Count("assessments", filter=Q(assessments__state=Assessment.State.SUBMITTED))
        )
        .order_by("-opens_on", "-id")
    )


def open_rounds_for(principal) -> list[dict]:
    """For the principal's page: each open round with this organiser's state and progress."""
    rounds = list(ReportingRound.objects.open_now().order_by("closes_on"))
    if not rounds:
        return []
    assessments = {
        a.round_id: a
        for a in Assessment.objects.filter(principal=principal, round__in=rounds).select_related(
            "draft", "current"
        )
    }
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(
        framework__in={r.framework_version_id for r in rounds}
    ).only("id", "code", "required", "framework_id"):
        indicators.setdefault(indicator.framework_id, []).append(indicator)
    result = []
    for reporting_round in rounds:
        assessment = assessments.get(reporting_round.pk)
        working = assessment.working if assessment else None
        answers = working.answers if working else {}
        result.append(
            {
                "round": reporting_round,
                "assessment": assessment,
                "state": assessment.get_state_display()
                if assessment
                else Assessment.State.NOT_STARTED.label,
                "progress": progress(
                    indicators.get(reporting_round.framework_version_id, []), answers
                ),
            }
        )
    return result
