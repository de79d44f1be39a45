"""Final-report work done by a worker (django.tasks): the draft's PDF and the submission freeze.

Both take seconds (the PDF alone 6–8 s), so the click only starts a job (services.pdf_start,
services.submission_start) and the person follows it on the job page.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.tasks import task
from django.utils.translation import gettext as _

from portal import jobs
from portal.permissions import EDIT_FINAL_REPORT

from ..models import FinalReport, sha256
from . import content as report_content
from . import services
from .render import file_name, html_to_pdf, render_document


@task(queue_name="jobs")
def build_pdf(job_id: str) -> None:
    """The report's PDF as a file for the person who asked: today's data for a draft, the frozen
    file once the report has been submitted."""
    with jobs.running(job_id) as job:
        if job is None:  # finished already: delivered twice
            return
        services.require_still(job.job.owner, EDIT_FINAL_REPORT)
        report = FinalReport.objects.select_related("agreement").get(pk=job.params["report"])
        if report.is_submitted:
            submitted = report.submitted
            pdf = bytes(submitted.pdf)
            if sha256(pdf) != submitted.pdf_sha256:
                raise ValidationError(
                    _("The stored file does not match its checksum and is not given out.")
                )
        else:
            pdf = html_to_pdf(render_document(report_content.build(report)))
        job.finish(file=(file_name(report, "pdf"), "application/pdf", pdf))


@task(queue_name="jobs")
def submit_report(job_id: str) -> None:
    """Freeze the report for the lead who clicked; the result is the report's page."""
    with jobs.running(job_id) as job:
        if job is None:  # finished already: delivered twice
            return
        actor = get_user_model().objects.get(pk=job.params["actor"])
        report = services.submission_run(
            report_pk=job.params["report"], actor=actor, seen_version=job.params["version"]
        )
        job.finish(url=report.get_absolute_url())


@task(queue_name="jobs")
def build_archival_package(job_id: str) -> None:
    """The submitted report's archival package, stored with the submission; the result is the
    report's page, where staff download it."""
    with jobs.running(job_id) as job:
        if job is None:  # finished already: delivered twice
            return
        package = services.package_build(report_pk=job.params["report"], actor=job.job.owner)
        job.finish(
            url=package.report.get_absolute_url() + "#arkivpaket",
            summary=_("Archival package %(id)s made.") % {"id": package.object_id},
        )
