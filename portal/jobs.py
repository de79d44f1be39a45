"""Long work for one person, done by a worker: start it, report progress, keep its result.

A view calls `start` in its transaction (the job row and the task are written together); the
task, defined in the app that owns the work, runs its body inside `running(job_id)`:

    @task(queue_name="jobs")
    def build_pdf(job_id):
        with jobs.running(job_id) as job:
            ...
            job.progress(done, total)
            job.finish(file=("rapport.pdf", "application/pdf", data))

`running` marks the job running, records a failure with a clear reason (a ValidationError's
own words; anything else a general Swedish message, logged in full), and does nothing for a
job already finished, so a task delivered twice does its work once. `resume_stalled` (run by
`manage.py resume_work` on a schedule, and when a worker starts) queues again the jobs whose
worker stopped answering, at most `JOB_MAX_ATTEMPTS` times.
"""

import contextlib
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)

Status = Job.Status
# Progress is written on a connection of its own where the database allows two writers, so
# the page sees it while the work's own transaction is still open (PostgreSQL).
PROGRESS_DB = "progress"
PROGRESS_EVERY = timedelta(seconds=1)


def start(*, task, kind: str, title: str, owner, params: dict | None = None) -> Job:
    """Create the job and enqueue `task(job_id)` in the caller's transaction."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:300],
            owner=owner,
            params={**(params or {}), "task": task.module_path},
        )
        job_id = str(job.pk)
        task.enqueue(job_id)
    job.refresh_from_db()
    return job


def for_owner(user, pk) -> Job | None:
    """The job if `user` asked for it; nobody else may see it."""
    try:
        return Job.objects.defer("result").get(pk=pk, owner=user)
    except (Job.DoesNotExist, ValidationError, ValueError):
        return None


class Running:
    """The handle a task's body gets: report progress, finish with a link or a file."""

    def __init__(self, job: Job):
        self.job = job
        self._written = timezone.now()

    @property
    def params(self) -> dict:
        return self.job.params

    def progress(self, done: int, total: int | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        now = timezone.now()
        if now - self._written >= PROGRESS_EVERY:
            self._written = now
            _write(self.job, now, fields={"done": done, "total": self.job.total})

    def finish(
        self, *, url: str = "", summary: str = "", file: tuple[str, str, bytes] | None = None
    ) -> None:
        self.job.result_url = url
        self.job.summary = summary
        if file is not None:
            name, content_type, data = file
            self.job.result_name = name
            self.job.result_type = content_type
            self.job.result = data
            self.job.result_sha256 = hashlib.sha256(data).hexdigest()


def _write(job: Job, now, *, fields: dict) -> None:
    """Progress on its own connection where there is one; else only outside a transaction."""
    alias = PROGRESS_DB if PROGRESS_DB in connections else "default"
    if alias == "default" and connections[alias].in_atomic_block:
        return
    Job.objects.using(alias).filter(pk=job.pk).update(heartbeat_at=now, **fields)


@contextlib.contextmanager
def running(job_id: str):
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        skip = job is None or job.finished
        if not skip:
            job.status = Status.RUNNING
            job.attempts += 1
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
    if skip:
        yield None
        return
    handle = Running(job)
    try:
        yield handle
    except ValidationError as error:
        _finish(job, Status.FAILED, error=" ".join(error.messages))
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(
            job,
            Status.FAILED,
            error=_(
                "Something went wrong on the server and the work was not done. Try again; "
                "if it happens again, contact the programme's administrators and give them "
                "the job's number, %(id)s."
            )
            % {"id": job.pk},
        )
    else:
        _finish(job, Status.DONE)


def _finish(job: Job, status: str, *, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    if status == Status.FAILED:
        job.result = None
    job.save(
        update_fields=[
            "status",
            "error",
            "done",
            "total",
            "finished_at",
            "heartbeat_at",
            "result_url",
            "summary",
            "result_name",
            "result_type",
            "result",
            "result_sha256",
        ]
    )


def resume_stalled() -> tuple[int, int]:
    """Queue again the running jobs that gave no sign of life for JOB_STALE_SECONDS (their
    worker was stopped); fail those that were tried JOB_MAX_ATTEMPTS times. Returns
    (queued again, failed)."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    again = failed = 0
    with transaction.atomic():
        stalled = Job.objects.select_for_update(skip_locked=True).filter(
            status=Status.RUNNING, heartbeat_at__lt=cutoff
        )
        for job in stalled.defer("result"):
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                _finish(
                    job,
                    Status.FAILED,
                    error=_(
                        "The work was interrupted %(n)s times (the server doing it stopped) "
                        "and has been given up. Start it again."
                    )
                    % {"n": job.attempts},
                )
                failed += 1
                continue
            job.status = Status.QUEUED
            job.save(update_fields=["status"])
            import_string(job.params["task"]).enqueue(str(job.pk))
            again += 1
    return again, failed


def read_result(job: Job) -> bytes | None:
    """The stored file, or None when its checksum no longer matches."""
    data = Job.objects.values_list("result", flat=True).get(pk=job.pk)
    data = bytes(data) if data is not None else None
    if data is None or hashlib.sha256(data).hexdigest() != job.result_sha256:
        return None
    return data


def forget_old_files() -> int:
    """Files of jobs finished more than JOB_FILE_DAYS ago are deleted (the job stays, saying
    so): they are copies made on request and can be made again."""
    cutoff = timezone.now() - timedelta(days=settings.JOB_FILE_DAYS)
    return (
        Job.objects.filter(finished_at__lt=cutoff)
        .exclude(result_sha256="")
        .update(result=None, result_sha256="")
    )
