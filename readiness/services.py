"""Writes for the readiness self-assessment. Each function is one transaction with an event."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal import audit, outbox
from portal.audit import Action, record, record_change, snapshot
from portal.concurrency import EditConflict
from portal.outbox import Mail
from principals import access
from principals import selectors as principal_selectors
from principals.models import Principal

from . import framework_data, selectors, tally
from .models import (
    Area,
    Assessment,
    AssessmentVersion,
    FrameworkVersion,
    Indicator,
    Reminder,
    ReportingRound,
    TalliedRound,
    round_code,
)

REMINDER_INTERVAL = timedelta(hours=24)
MAX_TEXT = 5000
MAX_COMMENT = 2000
# PostgreSQL cannot store NUL in text or JSON: refused with Django's own (translated) message.
NUL = "\x00"
NUL_REFUSED = ProhibitNullCharactersValidator.message

# ---------------------------------------------------------------- framework


def _require_draft(framework: FrameworkVersion) -> None:
    if framework.is_published:
        raise ValidationError(
            _("A published framework version cannot be changed. Make a new version by copying it.")
        )


def framework_load_default(*, actor) -> tuple[FrameworkVersion, bool]:
    """Load the default framework as a published version; does nothing if it already exists."""
    existing = FrameworkVersion.objects.filter(name=framework_data.DEFAULT_NAME).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        framework = FrameworkVersion.objects.create(
            name=framework_data.DEFAULT_NAME,
            status=FrameworkVersion.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        for area_order, (title, rows) in enumerate(framework_data.AREAS, start=1):
            area = Area.objects.create(framework=framework, order=area_order, title=title)
            Indicator.objects.bulk_create(
                Indicator(
                    framework=framework,
                    area=area,
                    code=code,
                    question=question,
                    help_text=help_text,
                    answer_type=answer_type,
                    choices=choices,
                    achieved_values=achieved,
                    required=required,
                    initiative=initiative,
                    tags=list(tags),
                    order=order,
                )
                for order, (
                    code,
                    question,
                    help_text,
                    answer_type,
                    choices,
                    achieved,
                    required,
                    initiative,
                    tags,
                ) in enumerate(rows, start=1)
            )
        record(actor=actor, subject=framework, action=Action.CREATED, note="load_framework")
    return framework, True


def framework_copy(*, framework: FrameworkVersion, name: str, actor) -> FrameworkVersion:
    """A new draft version with the same areas and indicators, for staff to edit."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the new version a name.")})
    if FrameworkVersion.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A framework version with this name already exists.")})
    with transaction.atomic():
        copy = FrameworkVersion.objects.create(name=name, based_on=framework)
        areas = list(framework.areas.all())
        new_areas = Area.objects.bulk_create(
            Area(framework=copy, order=a.order, title=a.title) for a in areas
        )
        area_map = {old.pk: new for old, new in zip(areas, new_areas, strict=True)}
        Indicator.objects.bulk_create(
            Indicator(
                framework=copy,
                area=area_map[i.area_id],
                code=i.code,
                question=i.question,
                help_text=i.help_text,
                answer_type=i.answer_type,
                choices=i.choices,
                achieved_values=i.achieved_values,
                required=i.required,
                min_value=i.min_value,
                max_value=i.max_value,
                initiative=i.initiative,
                tags=i.tags,
                order=i.order,
            )
            for i in framework.indicators.all()
        )
        record(actor=actor, subject=copy, action=Action.CREATED, note=str(framework))
    return copy


def framework_publish(*, framework: FrameworkVersion, actor) -> FrameworkVersion:
    with transaction.atomic():
        framework = FrameworkVersion.objects.select_for_update().get(pk=framework.pk)
        _require_draft(framework)
        if not framework.indicators.exists():
            raise ValidationError(_("A framework version needs at least one indicator."))
        framework.status = FrameworkVersion.Status.PUBLISHED
        framework.published_at = timezone.now()
        framework.save(update_fields=["status", "published_at"])
        record(actor=actor, subject=framework, action=Action.PUBLISHED)
    return framework


INDICATOR_EDITABLE = (
    "question",
    "help_text",
    "required",
    "initiative",
    "tags",
    "order",
    "min_value",
    "max_value",
)


def indicator_update(*, indicator: Indicator, actor, **values: Any) -> Indicator:
    unknown = set(values) - set(INDICATOR_EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        indicator = (
            Indicator.objects.select_related("framework").select_for_update().get(pk=indicator.pk)
        )
        _require_draft(indicator.framework)
        before = snapshot(indicator)
        for name, value in values.items():
            setattr(indicator, name, value)
        indicator.full_clean()
        indicator.save()
        record_change(actor=actor, subject=indicator, before=before)
    return indicator


# ---------------------------------------------------------------- rounds


def _round_dates_check(opens_on: date, closes_on: date) -> None:
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The closing date must not be before the opening.")})


def round_create(
    *,
    name: str,
    opens_on: date,
    closes_on: date,
    framework_version: FrameworkVersion,
    actor,
) -> ReportingRound:
    _round_dates_check(opens_on, closes_on)
    if not framework_version.is_published:
        raise ValidationError(
            {"framework_version": _("Only a published framework version can be used in a round.")}
        )
    if ReportingRound.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A round with this name already exists.")})
    code = round_code(name)
    if not code:
        raise ValidationError({"name": _("The name needs at least one letter or digit.")})
    same_code = [r.name for r in ReportingRound.objects.only("name") if r.code == code]
    if same_code:
        raise ValidationError(
            {
                "name": _(
                    "The name gives the same code (%(code)s) as the round %(other)s: choose "
                    "another name."
                )
                % {"code": code, "other": same_code[0]}
            }
        )
    with transaction.atomic():
        reporting_round = ReportingRound.objects.create(
            name=name, opens_on=opens_on, closes_on=closes_on, framework_version=framework_version
        )
        TalliedRound.objects.create(round=reporting_round)  # nothing to count yet
        created = snapshot(reporting_round, ["name", "opens_on", "closes_on", "framework_version"])
        record(
            actor=actor,
            subject=reporting_round,
            action=Action.CREATED,
            changes={key: [None, value] for key, value in created.items()},
        )
    return reporting_round


def round_open(*, reporting_round: ReportingRound, actor) -> ReportingRound:
    """Open a round that has not opened yet, from today."""
    with transaction.atomic():
        reporting_round = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        if reporting_round.status != ReportingRound.Status.UPCOMING:
            raise ValidationError(_("Only a round that has not opened yet can be opened."))
        before = snapshot(reporting_round)
        reporting_round.opens_on = timezone.localdate()
        _round_dates_check(reporting_round.opens_on, reporting_round.closes_on)
        reporting_round.save(update_fields=["opens_on"])
        record(
            actor=actor,
            subject=reporting_round,
            action=Action.OPENED,
            changes={"opens_on": [before["opens_on"], str(reporting_round.opens_on)]},
        )
    return reporting_round


def round_extend(*, reporting_round: ReportingRound, closes_on: date, actor) -> ReportingRound:
    """Move the deadline; extending a closed round to a future date reopens it."""
    today = timezone.localdate()
    with transaction.atomic():
        reporting_round = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        if reporting_round.published_at is not None:
            raise ValidationError(
                _(
                    "The round's figures have been published, so it cannot be extended or "
                    "reopened: that would change published figures. Open a new round instead."
                )
            )
        if closes_on < today:
            raise ValidationError({"closes_on": _("The new closing date must not be in the past.")})
        if closes_on <= reporting_round.closes_on and reporting_round.closed_at is None:
            raise ValidationError(
                {"closes_on": _("The new closing date must be later than the current one.")}
            )
        _round_dates_check(reporting_round.opens_on, closes_on)
        was_closed = reporting_round.status == ReportingRound.Status.CLOSED
        changes = {"closes_on": [str(reporting_round.closes_on), str(closes_on)]}
        reporting_round.closes_on = closes_on
        reporting_round.closed_at = None
        reporting_round.save(update_fields=["closes_on", "closed_at"])
        record(
            actor=actor,
            subject=reporting_round,
            action=Action.REOPENED if was_closed else Action.EXTENDED,
            changes=changes,
        )
    return reporting_round


def round_close(*, reporting_round: ReportingRound, actor) -> ReportingRound:
    with transaction.atomic():
        reporting_round = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        if reporting_round.status == ReportingRound.Status.CLOSED:
            raise ValidationError(_("The round is already closed."))
        reporting_round.closed_at = timezone.now()
        reporting_round.save(update_fields=["closed_at"])
        record(actor=actor, subject=reporting_round, action=Action.CLOSED)
    return reporting_round


def round_figures_published(*, reporting_round: ReportingRound, published_at) -> None:
    """Mark a closed round's figures as published (reporting's publication records the event,
    in the same transaction): from now on the round can no longer reopen."""
    updated = ReportingRound.objects.filter(
        pk=reporting_round.pk, published_at__isnull=True
    ).update(published_at=published_at)
    if not updated:
        raise ValidationError(_("The round's figures have already been published."))
    reporting_round.published_at = published_at


# ---------------------------------------------------------------- answers


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value_error(indicator: Indicator, value) -> str | None:
    """Why a (non-empty) value is not a valid answer to this indicator, or None."""
    types = Indicator.AnswerType
    allowed = {v for v, _label in indicator.options()}
    kind = indicator.answer_type
    if kind in (types.RATING, types.YES_NO, types.SINGLE_CHOICE):
        if not isinstance(value, str) or value not in allowed:
            return _("Choose one of the alternatives.")
    elif kind == types.MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _("Choose one or more of the alternatives.")
        if any(v not in allowed for v in value) or len(set(value)) != len(value):
            return _("Choose one or more of the alternatives.")
    elif kind == types.PERCENTAGE:
        if not _is_int(value) or not 0 <= value <= 100:
            return _("Enter a whole number from 0 to 100.")
    elif kind == types.INTEGER:
        if not _is_int(value) or not indicator.min_value <= value <= indicator.max_value:
            return bounds_message(indicator)
    elif kind == types.TEXT:
        if not isinstance(value, str):
            return _("Enter text.")
        if len(value) > MAX_TEXT:
            return _("Keep the answer to at most %(n)s characters.") % {"n": MAX_TEXT}
        if NUL in value:
            return str(NUL_REFUSED)
    return None


def bounds_message(indicator: Indicator) -> str:
    return _("Enter a whole number from %(low)s to %(high)s.") % {
        "low": number_format(indicator.min_value, 0, force_grouping=True),
        "high": number_format(indicator.max_value, 0, force_grouping=True),
    }


def is_answered(value) -> bool:
    return value not in (None, "", [])


def validate_answers(
    *, framework: FrameworkVersion, answers: dict, complete: bool, indicators=None
) -> dict[str, str]:
    """Problems by indicator code ("__all__" for the whole set). Empty when all is well."""
    indicators = list(indicators if indicators is not None else framework.indicators.all())
    by_code = {i.code: i for i in indicators}
    errors: dict[str, str] = {}
    if not isinstance(answers, dict):
        return {"__all__": _("The answers could not be read.")}
    foreign = [code for code in answers if code not in by_code]
    if foreign:
        errors["__all__"] = _(
            "Answers to questions that are not part of this round's framework were refused: "
            "%(codes)s."
        ) % {"codes": ", ".join(sorted(map(str, foreign)))}
    for code, answer in answers.items():
        indicator = by_code.get(code)
        if indicator is None:
            continue
        if not isinstance(answer, dict):
            errors[code] = _("The answer could not be read.")
            continue
        comment = answer.get("comment", "")
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            errors[code] = _("Keep the comment to at most %(n)s characters.") % {"n": MAX_COMMENT}
            continue
        if NUL in comment:
            errors[code] = str(NUL_REFUSED)
            continue
        value = answer.get("value")
        if is_answered(value):
            problem = _value_error(indicator, value)
            if problem:
                errors[code] = problem
    if complete:
        for indicator in indicators:
            value = (answers.get(indicator.code) or {}).get("value")
            if indicator.required and indicator.code not in errors and not is_answered(value):
                errors[indicator.code] = _("Answer this question.")
    return errors


def _clean(answers: dict) -> dict:
    """Keep only answered values and non-empty comments, in a stable shape."""
    cleaned = {}
    for code, answer in answers.items():
        value = answer.get("value")
        comment = (answer.get("comment") or "").strip()
        if is_answered(value) or comment:
            cleaned[code] = {"value": value if is_answered(value) else None, "comment": comment}
    return cleaned


def _lock_assessment(*, principal: Principal, reporting_round: ReportingRound, seen_version: int):
    assessment, _created = Assessment.objects.get_or_create(
        principal=principal, round=reporting_round
    )
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round__framework_version", "draft", "current")
        .get(pk=assessment.pk)
    )
    if int(seen_version) != assessment.version:
        raise EditConflict(assessment)
    return assessment


def is_editable(assessment: Assessment | None, reporting_round: ReportingRound) -> bool:
    """Open rounds can be changed; a returned assessment can be corrected after the deadline."""
    if reporting_round.is_open:
        return True
    return assessment is not None and assessment.state == Assessment.State.RETURNED


def _checks(*, actor, principal, reporting_round, assessment) -> None:
    if not access.is_editor_member(actor, principal):
        raise PermissionDenied
    if not is_editable(assessment, reporting_round):
        raise ValidationError(_("The round is closed: the answers can no longer be changed."))


def _new_version(*, assessment: Assessment, kind: str, answers: dict, actor) -> AssessmentVersion:
    last = assessment.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return AssessmentVersion.objects.create(
        assessment=assessment,
        number=last + 1,
        kind=kind,
        framework_version=assessment.round.framework_version,
        answers=_clean(answers),
        created_by=actor,
        created_by_label=audit.actor_label(actor),
    )


def assessment_save_draft(
    *,
    principal: Principal,
    reporting_round: ReportingRound,
    answers: dict,
    seen_version: int,
    actor,
) -> Assessment:
    """Save the answers as they are (required ones may be missing) as a new draft version."""
    with transaction.atomic():
        assessment = _lock_assessment(
            principal=principal, reporting_round=reporting_round, seen_version=seen_version
        )
        _checks(
            actor=actor, principal=principal, reporting_round=reporting_round, assessment=assessment
        )
        errors = validate_answers(
            framework=reporting_round.framework_version, answers=answers, complete=False
        )
        if errors:
            raise ValidationError(errors)
        reopened = assessment.state == Assessment.State.SUBMITTED and assessment.draft_id is None
        version = _new_version(
            assessment=assessment, kind=AssessmentVersion.Kind.DRAFT, answers=answers, actor=actor
        )
        assessment.draft = version
        if assessment.state == Assessment.State.NOT_STARTED:
            assessment.state = Assessment.State.DRAFT
        assessment.version += 1
        assessment.save()
        if reopened:
            record(actor=actor, subject=assessment, action=Action.REOPENED)
        # No version number: only submissions have one that people see (see submit below).
        record(actor=actor, subject=assessment, action=Action.DRAFT_SAVED)
    return assessment


def draft_changes(assessment: Assessment | None, answers: dict) -> bool:
    """Whether saving these answers would change what the form opens with; an unchanged
    step (paging through the form) saves no new version and does not reopen a submission."""
    working = assessment.working if assessment else None
    return _clean(answers) != (working.answers if working else {})


def assessment_submit(
    *,
    principal: Principal,
    reporting_round: ReportingRound,
    answers: dict,
    seen_version: int,
    actor,
) -> AssessmentVersion:
    """Check every answer and create a new immutable submitted version."""
    with transaction.atomic():
        assessment = _lock_assessment(
            principal=principal, reporting_round=reporting_round, seen_version=seen_version
        )
        _checks(
            actor=actor, principal=principal, reporting_round=reporting_round, assessment=assessment
        )
        errors = validate_answers(
            framework=reporting_round.framework_version, answers=answers, complete=True
        )
        if errors:
            raise ValidationError(errors)
        if (
            assessment.state == Assessment.State.SUBMITTED
            and assessment.draft_id is None
            and _clean(answers) == assessment.current.answers
        ):
            raise ValidationError(
                _("Nothing has changed since version %(number)s was submitted.")
                % {"number": selectors.submission_number(assessment.current)}
            )
        old_state = assessment.state
        version = _new_version(
            assessment=assessment,
            kind=AssessmentVersion.Kind.SUBMITTED,
            answers=answers,
            actor=actor,
        )
        assessment.current = version
        assessment.draft = None
        assessment.state = Assessment.State.SUBMITTED
        assessment.returned_comment = ""
        assessment.version += 1
        assessment.save()
        tally.sync(Assessment.objects.filter(pk=assessment.pk))
        submission = selectors.submission_number(version)
        record(
            actor=actor,
            subject=assessment,
            action=Action.SUBMITTED,
            changes={
                "state": [old_state, assessment.state],
                "version": [None, submission],
            },
        )
        _queue_receipt(assessment=assessment, version=version, submission=submission, actor=actor)
    return version


def assessment_return(*, assessment: Assessment, comment: str, actor) -> Assessment:
    """Staff send a submission back for correction; the organiser's editors are told why."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what needs to be corrected.")})
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update()
            .select_related("principal", "round")
            .get(pk=assessment.pk)
        )
        if assessment.state != Assessment.State.SUBMITTED:
            raise ValidationError(_("Only a submitted self-assessment can be returned."))
        assessment.state = Assessment.State.RETURNED
        assessment.returned_comment = comment
        assessment.version += 1
        assessment.save()
        tally.sync(Assessment.objects.filter(pk=assessment.pk))
        record(actor=actor, subject=assessment, action=Action.RETURNED, note=comment)
        _queue_returned(assessment=assessment, comment=comment, actor=actor)
    return assessment


# ---------------------------------------------------------------- e-mail


def _url(name: str, **kwargs) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _mail(template: str, context: dict, *, key: str, to: list[str], principal, round_pk) -> Mail:
    subject, body = outbox.compose(f"readiness/email/{template}", context)
    return Mail(
        key=key,
        kind=f"readiness-{template}",
        to=to,
        subject=subject,
        body=body,
        topic=f"round:{round_pk}",
        label=str(principal),
    )


def _queue_receipt(
    *, assessment: Assessment, version: AssessmentVersion, submission: int, actor
) -> None:
    recipients = principal_selectors.active_editor_emails(assessment.principal)
    context = {
        "assessment": assessment,
        "version": version,
        "submission": submission,
        "url": _url(
            "readiness:assessment-receipt",
            principal_pk=assessment.principal_id,
            round_pk=assessment.round_id,
            number=submission,
        ),
    }
    outbox.queue(
        _mail(
            "receipt",
            context,
            key=f"receipt:{version.pk}",
            to=recipients,
            principal=assessment.principal,
            round_pk=assessment.round_id,
        ),
        actor=actor,
    )


def _queue_returned(*, assessment: Assessment, comment: str, actor) -> None:
    recipients = principal_selectors.active_editor_emails(assessment.principal)
    context = {
        "assessment": assessment,
        "comment": comment,
        "url": _url(
            "readiness:assessment-edit",
            principal_pk=assessment.principal_id,
            round_pk=assessment.round_id,
        ),
    }
    outbox.queue(
        _mail(
            "returned",
            context,
            # The assessment's version moves with every change, so each return is its own.
            key=f"returned:{assessment.pk}:{assessment.version}",
            to=recipients,
            principal=assessment.principal,
            round_pk=assessment.round_id,
        ),
        actor=actor,
    )


@dataclass
class ReminderResult:
    sent: list[Reminder] = field(default_factory=list)
    skipped_recent: int = 0
    skipped_no_address: int = 0

    @property
    def recipient_count(self) -> int:
        return len({email for reminder in self.sent for email in reminder.recipients})


def reminders_send(*, reporting_round: ReportingRound, actor, now=None) -> ReminderResult:
    """One e-mail per organiser that has not submitted; none to one reminded in the last 24 h.

    The reminders and their messages are written in one transaction, and a worker sends the
    messages (portal/outbox.py); the round page shows how their delivery went. The round row
    is locked so two runs at once (a click and the cron job) cannot both remind.
    """
    now = now or timezone.now()
    result = ReminderResult()
    with transaction.atomic():
        reporting_round = ReportingRound.objects.select_for_update().get(pk=reporting_round.pk)
        if not reporting_round.is_open:
            raise ValidationError(_("Reminders can only be sent while the round is open."))
        plan = selectors.reminder_plan(reporting_round, now=now, interval=REMINDER_INTERVAL)
        result.skipped_recent = plan.skipped_recent
        result.skipped_no_address = plan.skipped_no_address
        label = audit.actor_label(actor)
        reminders = [
            Reminder(
                round=reporting_round,
                principal=principal,
                sent_at=now,
                sent_by_label=label,
                recipients=recipients,
            )
            for principal, recipients in plan.targets
        ]
        result.sent = Reminder.objects.bulk_create(reminders, batch_size=1000)
        names = {principal.pk: principal for principal, _recipients in plan.targets}
        audit.record_each(
            actor=actor,
            subject=reporting_round,
            action=Action.REMINDER_SENT,
            notes=[
                f"{names[reminder.principal_id]}: {', '.join(reminder.recipients)}"
                for reminder in result.sent
            ],
        )
        outbox.queue(
            *(
                _mail(
                    "reminder",
                    {
                        "round": reporting_round,
                        "principal": names[reminder.principal_id],
                        "url": _url(
                            "readiness:assessment-detail",
                            principal_pk=reminder.principal_id,
                            round_pk=reporting_round.pk,
                        ),
                    },
                    key=f"reminder:{reminder.pk}",
                    to=reminder.recipients,
                    principal=names[reminder.principal_id],
                    round_pk=reporting_round.pk,
                )
                for reminder in result.sent
            ),
            actor=actor,
        )
    return result
