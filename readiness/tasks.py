"""Readiness work done by a worker (django.tasks): reminding a round's organisers, one
organiser's answers as PDF, and tallying a round's answers the first time it is read."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import jobs
from principals import access

from . import exports, selectors, services
from .models import ReportingRound


@task(queue_name="jobs")
def send_reminders(job_id: str) -> None:
    """Write the reminders and queue their messages (the click only starts this)."""
    with jobs.running(job_id) as job:
        if job is None:
            return
        actor = get_user_model().objects.get(pk=job.params["actor"])
        reporting_round = ReportingRound.objects.get(pk=job.params["round"])
        result = services.reminders_send(reporting_round=reporting_round, actor=actor)
        job.progress(len(result.sent), len(result.sent))
        job.finish(
            url=reverse("readiness:round-detail", args=[reporting_round.pk]) + "#utskick",
            summary=reminder_summary(result),
        )


def reminder_summary(result: services.ReminderResult) -> str:
    n = len(result.sent)
    text = ngettext(
        "A reminder to %(n)s school organiser (%(recipients)s) is queued for sending.",
        "Reminders to %(n)s school organisers (%(recipients)s) are queued for sending.",
        n,
    ) % {
        "n": n,
        "recipients": ngettext("%(n)s recipient", "%(n)s recipients", result.recipient_count)
        % {"n": result.recipient_count},
    }
    if result.skipped_recent:
        text += " " + _(
            "%(n)s were not reminded again: they got a reminder less than 24 hours ago."
        ) % {"n": result.skipped_recent}
    if result.skipped_no_address:
        text += " " + _("%(n)s have no e-mail address.") % {"n": result.skipped_no_address}
    return text


@task(queue_name="jobs")
def build_tally(round_id: int) -> None:
    """Tally a round's submissions the first time its figures are read (readiness/tally.py)."""
    from . import tally

    tally.ensure_tallied([round_id])


@task(queue_name="jobs")
def assessment_pdf(job_id: str) -> None:
    """One organiser's answers as PDF, for the person who asked (checked again here)."""
    with jobs.running(job_id) as job:
        if job is None:
            return
        user = get_user_model().objects.get(pk=job.params["actor"])
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            try:
                principal = access.get_principal_for_answers(user, job.params["principal"])
            except (PermissionDenied, Http404):
                raise ValidationError(
                    _("You may no longer see this organiser's answers.")
                ) from None
            reporting_round = ReportingRound.objects.select_related("framework_version").get(
                pk=job.params["round"]
            )
            assessment = selectors.assessment_for(principal, reporting_round)
            pdf = exports.assessment_pdf(
                principal=principal, reporting_round=reporting_round, assessment=assessment
            )
            name = exports.assessment_filename(principal, reporting_round, ext="pdf")
        job.finish(file=(name, "application/pdf", pdf))
