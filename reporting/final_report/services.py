"""Writes for the final report: sections, the workflow, the checklist and the freeze.

Each function is one transaction that validates, saves and records an audit event. Who may do
what is decided here as well as in the views, so no path around the workflow exists. The draft's
PDF and the submission freeze take seconds, so a click only starts a job (`pdf_start`,
`submission_start`) that a worker does (tasks.py).
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agreement.models import Activity, Agreement, Cost
from portal import audit, jobs, outbox, spreadsheets
from portal.audit import Action, record, snapshot
from portal.concurrency import EditConflict, lock_if_unchanged
from portal.models import Job
from portal.permissions import APPROVE_FINAL_REPORT, EDIT_FINAL_REPORT
from portal.roles import LEAD_GROUP, STAFF_GROUP
from readiness.models import ReportingRound

from .. import archive
from ..models import (
    ArchivalPackage,
    FinalReport,
    ReportReminder,
    ReportSection,
    SubmittedReport,
    sha256,
)
from . import content as report_content
from .render import html_to_pdf, render_document, report_workbook

State = FinalReport.State
MAX_BODY = 50_000
MAX_TITLE = 200
REMINDER_DAYS = (30, 14, 7)
# Kinds of background job (portal.models.Job) made for a report; params hold its pk as "report".
PDF_JOB = "final-report-pdf"
SUBMIT_JOB = "final-report-submit"
ARCHIVE_JOB = "final-report-archive"
PENDING = (Job.Status.QUEUED, Job.Status.RUNNING)

# (from, to): the permission needed to make the step.
TRANSITIONS = {
    (State.DRAFT, State.IN_REVIEW): EDIT_FINAL_REPORT,
    (State.IN_REVIEW, State.DRAFT): EDIT_FINAL_REPORT,
    (State.IN_REVIEW, State.APPROVED): APPROVE_FINAL_REPORT,
    (State.APPROVED, State.DRAFT): APPROVE_FINAL_REPORT,
}


def _require(actor, perm: str) -> None:
    """People need the permission; a named system actor (a command, the demo loader) may act."""
    if isinstance(actor, str) and actor:
        return
    if not hasattr(actor, "has_perm") or not actor.has_perm(perm):
        raise PermissionDenied


def require_still(actor, perm: str) -> None:
    """In a job: the person who started it may still do it (a role can be taken away meanwhile)."""
    if not actor.is_active or not actor.has_perm(perm):
        raise ValidationError(
            _("You are no longer allowed to do this: your role in the portal has changed.")
        )


# ---------------------------------------------------------------- creating and sections


def _ensure_initiative_sections(report: FinalReport) -> None:
    """One narrative per initiative of the agreement, ordered inside Genomförande."""
    have = set(
        report.sections.filter(initiative__isnull=False).values_list("initiative", flat=True)
    )
    for initiative in report.agreement.initiatives.order_by("number"):
        if initiative.pk in have:
            continue
        ReportSection.objects.create(
            report=report,
            kind=ReportSection.Kind.NARRATIVE,
            key=f"initiative-{initiative.number}",
            title=report_content.initiative_heading(initiative)[:MAX_TITLE],
            order=initiative.number,
            text_required=True,
            initiative=initiative,
        )


@transaction.atomic
def report_create(*, agreement: Agreement, actor) -> FinalReport:
    """Start the agreement's final report with the standard sections; returns an existing one."""
    _require(actor, EDIT_FINAL_REPORT)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    existing = FinalReport.objects.filter(agreement=agreement).first()
    if existing is not None:
        return existing
    report = FinalReport.objects.create(agreement=agreement)
    with translation.override("sv"):
        for order, (key, kind, required, _title) in enumerate(report_content.DEFAULT_SECTIONS):
            ReportSection.objects.create(
                report=report,
                kind=kind,
                key=key,
                title=report_content.default_section_title(key),
                order=(order + 1) * 10,
                text_required=required,
            )
        _ensure_initiative_sections(report)
    record(
        actor=actor,
        subject=report,
        action=Action.CREATED,
        changes={"state": [None, State.DRAFT.value]},
    )
    return report


def _lock_editable(report: FinalReport) -> FinalReport:
    report = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_editable:
        raise ValidationError(
            _("The report can only be changed as a draft. Send it back to draft first.")
        )
    return report


def _check_text(title: str, body: str) -> dict[str, str]:
    errors = {}
    if not title.strip():
        errors["title"] = _("Write a heading.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The heading can be at most %(n)s characters.") % {"n": MAX_TITLE}
    if len(body) > MAX_BODY:
        errors["body"] = _("The text can be at most %(n)s characters.") % {"n": MAX_BODY}
    return errors


@transaction.atomic
def section_update(
    *, section: ReportSection, actor, title: str, body: str, seen_version: int
) -> ReportSection:
    _require(actor, EDIT_FINAL_REPORT)
    _lock_editable(section.report)
    current = lock_if_unchanged(ReportSection.objects.all(), section.pk, seen_version)
    errors = _check_text(title, body)
    if errors:
        raise ValidationError(errors)
    before = snapshot(current, ["title", "body"])
    current.title = title.strip()
    current.body = body
    after = snapshot(current, ["title", "body"])
    if before == after:
        return current
    current.version += 1
    current.save()
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    record(
        actor=actor,
        subject=current.report,
        action=Action.CHANGED,
        changes=changes,
        note=str(current.title),
    )
    return current


@transaction.atomic
def section_create(*, report: FinalReport, actor, title: str) -> ReportSection:
    """A new written section, placed just before the appendices."""
    _require(actor, EDIT_FINAL_REPORT)
    report = _lock_editable(report)
    errors = _check_text(title, "")
    if errors:
        raise ValidationError(errors)
    top = report.sections.filter(initiative__isnull=True)
    appendices = top.filter(key="appendices").first()
    if appendices is not None:
        order = appendices.order
        for later in top.filter(order__gte=order).order_by("-order"):
            later.order += 10
            later.save(update_fields=["order"])
    else:
        order = (top.aggregate(m=Max("order"))["m"] or 0) + 10
    base = slugify(title)[:25] or "avsnitt"
    key = f"custom-{base}"
    n = 2
    while report.sections.filter(key=key).exists():
        key = f"custom-{base}-{n}"
        n += 1
    section = ReportSection.objects.create(
        report=report,
        kind=ReportSection.Kind.NARRATIVE,
        key=key,
        title=title.strip(),
        order=order,
        text_required=True,
    )
    record(
        actor=actor,
        subject=report,
        action=Action.CHANGED,
        changes={"sections": [None, section.title]},
        note=_("Section added"),
    )
    return section


@transaction.atomic
def section_move(*, section: ReportSection, actor, up: bool) -> None:
    _require(actor, EDIT_FINAL_REPORT)
    report = _lock_editable(section.report)
    siblings = list(
        report.sections.filter(initiative__isnull=(section.initiative_id is None)).order_by(
            "order", "pk"
        )
    )
    before = [s.title for s in siblings]
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        if item.order != position * 10:
            item.order = position * 10
            item.save(update_fields=["order"])
    record(
        actor=actor,
        subject=report,
        action=Action.CHANGED,
        changes={"order": [before, [s.title for s in siblings]]},
    )


@transaction.atomic
def section_delete(*, section: ReportSection, actor) -> None:
    _require(actor, EDIT_FINAL_REPORT)
    report = _lock_editable(section.report)
    if not section.is_custom:
        raise ValidationError(_("Only sections added to the report can be removed."))
    record(
        actor=actor,
        subject=report,
        action=Action.CHANGED,
        changes={"sections": [section.title, None], "body": [section.body, None]},
        note=_("Section removed"),
    )
    section.delete()


# ---------------------------------------------------------------- checklist


@dataclass
class Check:
    label: str
    ok: bool
    problems: list[str] = field(default_factory=list)


def report_checklist(report: FinalReport) -> list[Check]:
    """What must be true before submission, each with what still blocks it."""
    agreement = report.agreement
    missing = [
        s.title
        for s in report.sections.order_by("order", "pk")
        if s.text_required and not s.is_written
    ]
    open_activities = [
        a.title
        for a in Activity.objects.filter(agreement=agreement)
        .current()
        .exclude(status__in=[Activity.Status.COMPLETED, Activity.Status.CANCELLED])
        .order_by("planned_start", "title")
    ]
    years_with_costs = set(
        Cost.objects.filter(activity__agreement=agreement)
        .values_list("incurred_on__year", flat=True)
        .distinct()
    )
    years = list(agreement.funding_years.order_by("year").values_list("year", flat=True))
    years_without = [str(y) for y in years if y not in years_with_costs]
    round_problems = [
        _("%(name)s closes %(date)s") % {"name": r.name, "date": r.closes_on.isoformat()}
        for r in report_content.rounds_of(agreement).order_by("opens_on", "pk")
        if r.status != ReportingRound.Status.CLOSED
    ]
    return [
        Check(_("Every written section has text"), not missing, missing),
        Check(
            _("Every activity has a final status (completed or cancelled)"),
            not open_activities,
            open_activities,
        ),
        Check(
            _("Costs are recorded for every funding year"),
            bool(years) and not years_without,
            years_without or ([] if years else [_("The agreement has no funding years.")]),
        ),
        Check(
            _("The reporting rounds of the agreement's period are closed"),
            not round_problems,
            round_problems,
        ),
    ]


def checklist_passes(report: FinalReport) -> bool:
    return all(check.ok for check in report_checklist(report))


# ---------------------------------------------------------------- workflow


def _lock_report(report: FinalReport, seen_version: int) -> FinalReport:
    """The report's row, locked, if nobody changed it since `seen_version`."""
    try:
        return lock_if_unchanged(FinalReport.objects.all(), report.pk, seen_version)
    except EditConflict as exc:
        raise ValidationError(
            _("Someone else changed the report's status meanwhile. Look again and retry.")
        ) from exc


@transaction.atomic
def report_transition(*, report: FinalReport, actor, to_state: str, seen_version: int) -> None:
    """Draft → in review → approved, and back to draft; submitting is `report_submit`."""
    current = _lock_report(report, seen_version)
    perm = TRANSITIONS.get((current.state, to_state))
    if perm is None:
        raise ValidationError(_("The report cannot go from this status to that one."))
    _require(actor, perm)
    old = current.state
    current.state = to_state
    current.version += 1
    current.save(update_fields=["state", "version", "updated_at"])
    record(
        actor=actor,
        subject=current,
        action=Action.STATUS_CHANGED,
        changes={"state": [old, current.state]},
    )


def _check_submittable(current: FinalReport) -> None:
    if current.state != State.APPROVED:
        raise ValidationError(_("Only an approved report can be submitted."))
    blocking = [c.label for c in report_checklist(current) if not c.ok]
    if blocking:
        raise ValidationError(
            _("The report cannot be submitted yet: %(list)s.") % {"list": "; ".join(blocking)}
        )


def pending_job(report: FinalReport, kind: str, *, owner=None) -> Job | None:
    """The job of this kind for the report that is queued or running, if there is one."""
    pending = Job.objects.filter(kind=kind, params__report=report.pk, status__in=PENDING)
    if owner is not None:
        pending = pending.filter(owner=owner)
    return pending.select_related("owner").defer("result").order_by("created_at").first()


def _refuse_while_submitting(report: FinalReport) -> None:
    if pending_job(report, SUBMIT_JOB) is not None:
        raise ValidationError(
            _(
                "The report is already being submitted. Wait until that is done: this page "
                "shows the submitted version when it is."
            )
        )


@transaction.atomic
def submission_start(*, report: FinalReport, actor, seen_version: int) -> Job:
    """Check what can be checked at once and queue the freeze (`submission_run`) on a worker.

    The report's row is locked while the job is written, so of two clicks at once the second
    finds the first one's job and is refused. The version is not bumped here: the job checks
    the same one again under the lock, so a change made meanwhile stops the freeze."""
    from .tasks import submit_report

    _require(actor, APPROVE_FINAL_REPORT)
    _refuse_while_submitting(report)  # at once: a running freeze holds the row for seconds
    current = _lock_report(report, seen_version)
    _refuse_while_submitting(current)  # of two clicks at once, the second finds the first's job
    _check_submittable(current)
    return jobs.start(
        task=submit_report,
        kind=SUBMIT_JOB,
        title=_("Submission of the final report: %(title)s") % {"title": current.agreement.title},
        owner=actor,
        params={"report": current.pk, "actor": actor.pk, "version": int(seen_version)},
    )


@transaction.atomic
def submission_run(*, report_pk: int, actor, seen_version: int) -> FinalReport:
    """What a submission job does, once: the checks again under the lock, then the freeze. A
    report already submitted (the job was delivered again after its freeze was written) is
    left as it is."""
    require_still(actor, APPROVE_FINAL_REPORT)
    current = FinalReport.objects.select_for_update().get(pk=report_pk)
    if current.is_submitted:
        return current
    report_submit(report=current, actor=actor, seen_version=seen_version)
    # The archival package is made from the frozen files by a job of its own, queued with them.
    _queue_package(current, actor)
    return current


def pdf_start(*, report: FinalReport, actor) -> Job:
    """Queue the PDF of the report as it is today for `actor`; one already under way for the
    same person and report is given back instead of a second."""
    from .tasks import build_pdf

    _require(actor, EDIT_FINAL_REPORT)
    with transaction.atomic():
        existing = pending_job(report, PDF_JOB, owner=actor)
        if existing is not None:
            return existing
        return jobs.start(
            task=build_pdf,
            kind=PDF_JOB,
            title=_("PDF of the final report: %(title)s") % {"title": report.agreement.title},
            owner=actor,
            params={"report": report.pk},
        )


# ---------------------------------------------------------------- the archival package


def _queue_package(report: FinalReport, actor) -> Job:
    from .tasks import build_archival_package

    record(
        actor=actor,
        subject=report,
        action=Action.CHANGED,
        note=_("Archival package requested"),
    )
    return jobs.start(
        task=build_archival_package,
        kind=ARCHIVE_JOB,
        title=_("Archival package of the final report: %(title)s")
        % {"title": report.agreement.title},
        owner=actor,
        params={"report": report.pk},
    )


@transaction.atomic(durable=True)
def package_start(*, report: FinalReport, actor) -> Job:
    """Queue the archival package of a report submitted before packages were made on
    submission (or whose packaging failed); one under way is given back instead of a second."""
    _require(actor, EDIT_FINAL_REPORT)
    current = FinalReport.objects.select_for_update().get(pk=report.pk)
    if not current.is_submitted:
        raise ValidationError(_("Only a submitted report has an archival package."))
    if ArchivalPackage.objects.filter(report=current).exists():
        raise ValidationError(_("The archival package has already been made."))
    existing = pending_job(current, ARCHIVE_JOB)
    if existing is not None:
        return existing
    return _queue_package(current, actor)


@transaction.atomic
def package_build(*, report_pk: int, actor) -> ArchivalPackage:
    """What a packaging job does: the package from the frozen files, checked before it is
    stored. Not durable: a test's immediate task backend runs it inside the starting
    transaction. A package already made (the job was delivered again) is given back."""
    require_still(actor, EDIT_FINAL_REPORT)
    report = FinalReport.objects.select_for_update().select_related("agreement").get(pk=report_pk)
    if not report.is_submitted:
        raise ValidationError(_("Only a submitted report has an archival package."))
    existing = ArchivalPackage.objects.filter(report=report).first()
    if existing is not None:
        return existing
    submitted = report.submitted
    if not all(submitted.checksums_match().values()):
        raise ValidationError(
            _("The frozen files do not match their checksums, so no archival package is made.")
        )
    now = timezone.now()
    object_id = f"uuid-{uuid.uuid4()}"
    data = archive.build(submitted, object_id=object_id, created=now)
    check = archive.verify(data, frozen=frozen_checksums(submitted))
    if not check.ok:  # a package that fails its own check is never stored
        raise ValidationError(check.problems)
    package = ArchivalPackage(
        report=report,
        object_id=object_id,
        created_at=now,
        created_by_label=audit.actor_label(actor),
        package=data,
        package_sha256=sha256(data),
        size=len(data),
    )
    package.save()
    record(
        actor=actor,
        subject=report,
        action=Action.ARCHIVED,
        changes={
            "object_id": [None, package.object_id],
            "package_sha256": [None, package.package_sha256],
            "size": [None, package.size],
        },
        note=_("Archival package made"),
    )
    return package


def frozen_checksums(submitted: SubmittedReport) -> dict[str, str]:
    """The checksums stored at submission, by the kind of file the package holds."""
    return {
        kind: getattr(submitted, checksum) for kind, _f, checksum, _n, _t in archive.FROZEN_FILES
    }


@transaction.atomic(durable=True)
def package_download(*, report: FinalReport, actor) -> ArchivalPackage:
    """The stored package for `actor`, recorded, and only while it matches its checksum."""
    _require(actor, EDIT_FINAL_REPORT)
    package = ArchivalPackage.objects.filter(report=report).first()
    if package is None:
        raise ValidationError(_("The report has no archival package yet."))
    if not package.checksum_matches():
        raise ValidationError(
            _("The stored file does not match its checksum and is not given out.")
        )
    record(
        actor=actor,
        subject=report,
        action=Action.OPENED,
        note=_("Archival package downloaded"),
    )
    return package


@transaction.atomic
def report_submit(*, report: FinalReport, actor, seen_version: int) -> SubmittedReport:
    """Freeze the approved report: HTML, PDF and numbers are stored with checksums, once."""
    _require(actor, APPROVE_FINAL_REPORT)
    current = _lock_report(report, seen_version)
    _check_submittable(current)
    old = current.state
    # The frozen document is the submitted version, so it must not say it is a draft of one.
    current.state = State.SUBMITTED
    now = timezone.now()
    content = report_content.build(current, now=now)
    html = render_document(content)
    pdf = html_to_pdf(html)
    numbers = content.snapshot_json()
    workbook = report_workbook(content.snapshot())
    submitted = SubmittedReport(
        report=current,
        submitted_at=now,
        submitted_by_label=audit.actor_label(actor),
        html=html,
        html_sha256=sha256(html),
        pdf=pdf,
        pdf_sha256=sha256(pdf),
        snapshot_json=numbers,
        snapshot_sha256=sha256(numbers),
        xlsx=workbook,
        xlsx_sha256=sha256(workbook),
    )
    submitted.save()
    current.version += 1
    current.save(update_fields=["state", "version", "updated_at"])
    record(
        actor=actor,
        subject=current,
        action=Action.SUBMITTED,
        changes={
            "state": [old, current.state],
            "html_sha256": [None, submitted.html_sha256],
            "pdf_sha256": [None, submitted.pdf_sha256],
            "snapshot_sha256": [None, submitted.snapshot_sha256],
            "xlsx_sha256": [None, submitted.xlsx_sha256],
        },
    )
    agreement = Agreement.objects.select_for_update().get(pk=current.agreement_id)
    if agreement.reported_on is None:
        agreement.reported_on = timezone.localdate(now)
        agreement.save(update_fields=["reported_on"])
        record(
            actor=actor,
            subject=agreement,
            action=Action.STATUS_CHANGED,
            changes={"reported_on": [None, agreement.reported_on.isoformat()]},
            note=_("Final report submitted"),
        )
    return submitted


# ---------------------------------------------------------------- comparison


def compare_with_today(report: FinalReport) -> dict:
    """Every number in the submitted snapshot next to today's, with the ones that differ."""
    import json

    stored = json.loads(report.submitted.snapshot_json)["tables"]
    today = report_content.build(report).snapshot()["tables"]
    differences, same = [], 0
    for key, table in stored.items():
        now_table = today.get(key)
        now_rows = {tuple(r[:1]): r for r in (now_table or {}).get("rows", [])}
        rows = list(table["rows"]) + ([table["footer"]] if table.get("footer") else [])
        now_footer = (now_table or {}).get("footer")
        for index, row in enumerate(rows):
            is_footer = table.get("footer") and index == len(rows) - 1
            now_row = now_footer if is_footer else now_rows.get(tuple(row[:1]))
            for col, (label, kind) in enumerate(zip(table["columns"], table["kinds"], strict=True)):
                if kind not in spreadsheets.NUMERIC:
                    continue
                old = row[col]
                new = now_row[col] if now_row is not None and col < len(now_row) else None
                if old == new:
                    same += 1
                else:
                    differences.append(
                        {
                            "table": table["title"],
                            "row": row[0],
                            "column": label,
                            "kind": kind,
                            "submitted": old,
                            "today": new,
                        }
                    )
    return {"differences": differences, "same": same}


# ---------------------------------------------------------------- reminders


@dataclass
class ReminderRun:
    sent: list[ReportReminder] = field(default_factory=list)
    skipped: int = 0


def programme_staff_emails() -> list[str]:
    users = get_user_model().objects.filter(
        Q(groups__name__in=[STAFF_GROUP, LEAD_GROUP]), is_active=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


def reminders_due(*, today: datetime.date | None = None, actor="send_report_reminders"):
    """Remind programme staff 30, 14 and 7 days before each unsubmitted report is due.

    Each threshold is sent at most once per agreement (a unique row records it, and its message
    is queued in the outbox in the same transaction); a run that misses a day sends only the
    nearest threshold passed, never a backlog.
    """
    today = today or timezone.localdate()
    run = ReminderRun()
    recipients = programme_staff_emails()
    agreements = Agreement.objects.not_reported().exclude(final_report__state=State.SUBMITTED)
    for agreement in agreements.order_by("final_report_due", "pk"):
        days = (agreement.final_report_due - today).days
        passed = [d for d in REMINDER_DAYS if 0 <= days <= d]
        if not passed:
            continue
        threshold = min(passed)
        if (
            not recipients
            or ReportReminder.objects.filter(
                agreement=agreement, days_before__lte=threshold
            ).exists()
        ):
            run.skipped += 1
            continue
        try:
            with transaction.atomic():
                reminder = ReportReminder.objects.create(
                    agreement=agreement, days_before=threshold, recipients=recipients
                )
                record(
                    actor=actor,
                    subject=agreement,
                    action=Action.REMINDER_SENT,
                    note=_("Final report due in %(days)s days: %(to)s")
                    % {"days": days, "to": ", ".join(recipients)},
                )
                subject, body = outbox.compose(
                    "reporting/email/report_reminder", _reminder_context(agreement, days)
                )
                outbox.queue(
                    outbox.Mail(
                        key=f"report-reminder:{reminder.pk}",
                        kind="report-reminder",
                        to=recipients,
                        subject=subject,
                        body=body,
                        topic=f"agreement:{agreement.pk}",
                        label=str(agreement),
                    ),
                    actor=actor,
                )
        except IntegrityError:
            run.skipped += 1
            continue
        run.sent.append(reminder)
    return run


def _reminder_context(agreement: Agreement, days: int) -> dict:
    from django.conf import settings

    report = FinalReport.objects.filter(agreement=agreement).first()
    path = (
        reverse("reporting:report-detail", args=[report.pk])
        if report
        else reverse("reporting:report-list")
    )
    return {
        "agreement": agreement,
        "days": days,
        "report": report,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
