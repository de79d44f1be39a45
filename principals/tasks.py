"""The register import's background work: checking an uploaded file and applying it.

Each runs as a job for the person who uploaded the file (portal/jobs.py), so a 20 MB register
is not cut off by the web server's timeout; the job's page shows how it goes and links to the
import's page, which shows the outcome.
"""

from django.core.exceptions import ValidationError
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import jobs

from . import services
from .models import ImportBatch


def _batch(job) -> ImportBatch:
    return ImportBatch.objects.defer("content").get(pk=job.params["batch"])


@task(queue_name="jobs")
def import_check(job_id: str) -> None:
    """The dry run: parse and plan the file; a file that cannot be read fails with why."""
    with jobs.running(job_id) as job:
        if job is None:  # finished already (delivered twice): nothing to do
            return
        batch = _batch(job)
        job.finish(url=reverse("principals:import-detail", args=[batch.pk]))
        services.import_batch_check(batch=batch)


@task(queue_name="jobs")
def import_apply(job_id: str) -> None:
    """The confirmed import, for the person who confirmed it (history names them)."""
    with jobs.running(job_id) as job:
        if job is None:  # finished already (delivered twice): nothing to do
            return
        batch = _batch(job)
        job.finish(url=reverse("principals:import-detail", args=[batch.pk]))
        if batch.status == ImportBatch.Status.APPLIED:  # done before the worker stopped
            return
        batch = services.import_batch_apply(
            batch=batch,
            actor=services.import_actor(job.params["actor"]),
            confirm_moves=job.params.get("confirm_moves", False),
            progress=job.progress,
        )
        if batch.status == ImportBatch.Status.FAILED:
            raise ValidationError(_("Nothing was imported: the file has invalid records."))
