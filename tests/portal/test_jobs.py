"""Background jobs: state, result and failure as their owner sees them, and nobody else."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from portal import jobs
from portal.models import Job
from tests.portal.factories import staff_user

Status = Job.Status
RUNS: list[str] = []


@task(queue_name="jobs")
def make_file(job_id: str) -> None:
    with jobs.running(job_id) as job:
        if job is None:
            return
        RUNS.append(job_id)
        if job.params.get("fail") == "validation":
            raise ValidationError("Filen saknar rubrikrad.")
        if job.params.get("fail") == "bug":
            raise ZeroDivisionError
        job.progress(3, 3)
        job.finish(file=("lista.csv", "text/csv", b"a;b\r\n1;2\r\n"), summary="Tre rader.")


def _start(owner, **params) -> Job:
    return jobs.start(task=make_file, kind="test", title="En lista", owner=owner, params=params)


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()


@pytest.mark.django_db
def test_the_owner_sees_the_result_and_downloads_the_checked_file(client, login, staff):
    job = _start(staff)
    assert job.status == Status.DONE and job.attempts == 1
    login(staff)
    page = client.get(reverse("portal:job-detail", args=[job.pk])).content.decode()
    assert "Klart" in page and "Tre rader." in page and "Ladda ner lista.csv" in page
    state = client.get(reverse("portal:job-state", args=[job.pk])).json()
    assert state["finished"] and state["status"] == "done" and state["percent"] == 100
    response = client.get(reverse("portal:job-file", args=[job.pk]))
    assert response.status_code == 200
    assert response.content == b"a;b\r\n1;2\r\n"
    assert response["Content-Disposition"] == 'attachment; filename="lista.csv"'
    assert "En lista" in client.get(reverse("portal:job-list")).content.decode()


@pytest.mark.django_db
def test_nobody_else_sees_the_job_or_its_file(client, login, staff):
    job = _start(staff)
    login(staff_user(username="other-staff"))
    for name in ("portal:job-detail", "portal:job-state", "portal:job-file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert "En lista" not in client.get(reverse("portal:job-list")).content.decode()
    client.logout()
    response = client.get(reverse("portal:job-file", args=[job.pk]))
    assert response.status_code == 302 and "/konto/" in response["Location"]


@pytest.mark.django_db
def test_a_file_that_changed_after_it_was_stored_is_not_given_out(client, login, staff):
    job = _start(staff)
    Job.objects.filter(pk=job.pk).update(result=b"x;y\r\n")
    login(staff)
    response = client.get(reverse("portal:job-file", args=[job.pk]))
    assert response.status_code == 500
    assert "stämmer inte med sin kontrollsumma" in response.content.decode()


@pytest.mark.django_db
def test_a_validation_error_fails_the_job_with_its_own_words(client, login, staff):
    job = _start(staff, fail="validation")
    assert job.status == Status.FAILED and job.error == "Filen saknar rubrikrad."
    login(staff)
    page = client.get(reverse("portal:job-detail", args=[job.pk])).content.decode()
    assert "Misslyckades" in page and "Filen saknar rubrikrad." in page
    assert client.get(reverse("portal:job-file", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_with_a_general_message_and_its_number(staff):
    job = _start(staff, fail="bug")
    assert job.status == Status.FAILED
    assert "Något gick fel på servern" in job.error and str(job.pk) in job.error


@pytest.mark.django_db
def test_a_job_delivered_twice_is_done_once(staff):
    job = _start(staff)
    make_file.enqueue(str(job.pk))
    assert [str(job.pk)] == RUNS


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_is_queued_again_and_given_up_in_the_end(staff, settings):
    job = Job.objects.create(
        kind="test",
        title="Avbrutet",
        owner=staff,
        params={"task": make_file.module_path},
        status=Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 5),
    )
    fresh = Job.objects.create(
        kind="test",
        title="Pågår",
        owner=staff,
        params={"task": make_file.module_path},
        status=Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now(),
    )
    assert jobs.resume_stalled() == (1, 0)
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 2  # the immediate backend ran it
    assert fresh.status == Status.RUNNING
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(days=1),
    )
    assert jobs.resume_stalled() == (0, 1)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "avbröts 3 gånger" in job.error


@pytest.mark.django_db
def test_old_files_are_deleted_and_the_job_says_so(client, login, staff, settings):
    job = _start(staff)
    recent = _start(staff)
    Job.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - timedelta(days=settings.JOB_FILE_DAYS + 1)
    )
    assert jobs.forget_old_files() == 1
    login(staff)
    response = client.get(reverse("portal:job-file", args=[job.pk]))
    assert response.status_code == 410 and "Gör den igen" in response.content.decode()
    page = client.get(reverse("portal:job-detail", args=[job.pk])).content.decode()
    assert "Filen togs bort 30 dagar efter att den gjordes" in page
    assert client.get(reverse("portal:job-file", args=[recent.pk])).status_code == 200
