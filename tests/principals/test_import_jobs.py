"""The register import runs on a worker: the upload starts its check, the confirmation its
import, each a job the uploader follows; a second click or a second delivery imports once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import jobs
from portal.models import AuditEvent, Job
from principals import tasks
from principals.models import ImportBatch, Principal
from tests.jobs import started_job
from tests.portal.factories import staff_user
from tests.principals.importing import follow, post_file

pytestmark = pytest.mark.django_db

IN_DATABASE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail", "jobs"],
    }
}


def read(fixture_path, name: str) -> bytes:
    with open(fixture_path(name), "rb") as fh:
        return fh.read()


def detail(batch) -> str:
    return reverse("principals:import-detail", args=[batch.pk])


def apply(batch) -> str:
    return reverse("principals:import-apply", args=[batch.pk])


@pytest.fixture
def queued_only(settings):
    """Tasks are written to the database and wait for a worker (the test plays the worker)."""
    settings.TASKS = IN_DATABASE


def test_upload_check_and_import_run_as_jobs_for_the_uploader(login, staff, fixture_path):
    client = login(staff)
    response = post_file(client, "organizers.json", read(fixture_path, "organizers.json"))
    check = started_job(response)
    batch = ImportBatch.objects.get()
    assert (check.kind, check.owner, check.status) == ("principals.import_check", staff, "done")
    assert check.params["batch"] == str(batch.pk)
    assert check.result_url == detail(batch)
    assert (batch.status, batch.job) == (ImportBatch.Status.PLANNED, check)
    page = follow(client, response)
    assert "Kontroll före import: organizers.json" in page
    assert "Importera nu" in page
    assert Principal.objects.count() == 0

    response = client.post(apply(batch))
    job = started_job(response)
    assert (job.kind, job.owner, job.status) == ("principals.import_apply", staff, "done")
    assert job.params["batch"] == str(batch.pk)
    assert job.params["actor"] == staff.pk
    assert job.params["confirm_moves"] is False
    assert job.result_url == detail(batch)
    page = follow(client, response)
    assert "Resultat av importen: organizers.json" in page
    batch.refresh_from_db()
    assert (batch.status, batch.job) == (ImportBatch.Status.APPLIED, job)
    assert Principal.objects.count() == 3
    events = AuditEvent.objects.filter(action="imported")
    assert events.count() == 3
    assert set(events.values_list("actor", flat=True)) == {staff.pk}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("register.json", b'{"organizers": [', "register.json är inte giltig JSON"),
        ("register.csv", b"\xff\xfe\x00o\x00r", "register.csv är inte text i UTF-8"),
        ("register.json", b'{"something": []}', "ser inte ut som Skolverkets register"),
        ("register.csv", b"   \n", "register.csv är tom."),
    ],
)
def test_a_file_that_cannot_be_read_fails_its_check_in_swedish_and_changes_nothing(
    login, staff, principal_a, name, content, reason
):
    client = login(staff)
    response = post_file(client, name, content, full="on")
    job = started_job(response)
    assert job.status == Job.Status.FAILED
    page = client.get(response["Location"]).text
    assert reason in page
    assert "Ingenting ändrades. Rätta filen och ladda upp den igen." in page
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert reason in batch.report["error"]
    assert reason in client.get(detail(batch)).text
    # a full import of nothing would have marked Huvudman A inactive: it did not run
    principal_a.refresh_from_db()
    assert principal_a.status == Principal.Status.ACTIVE
    assert Principal.objects.count() == 1
    response = client.post(apply(batch), follow=True)
    assert "Den här filen är redan hanterad." in response.text
    assert Job.objects.count() == 1


def test_another_person_sees_neither_the_jobs_nor_the_upload_and_cannot_import_it(
    login, staff, fixture_path
):
    client = login(staff)
    check = started_job(post_file(client, "organizers.json", read(fixture_path, "organizers.json")))
    batch = ImportBatch.objects.get()
    other = login(staff_user(username="other-staff"))
    assert other.get(reverse("portal:job-detail", args=[check.pk])).status_code == 404
    assert other.get(reverse("portal:job-state", args=[check.pk])).status_code == 404
    assert other.get(detail(batch)).status_code == 404
    assert other.post(apply(batch)).status_code == 404
    batch.refresh_from_db()
    assert (batch.status, batch.job) == (ImportBatch.Status.PLANNED, check)
    assert Job.objects.count() == 1
    assert Principal.objects.count() == 0


def test_a_second_click_while_the_import_waits_is_refused(login, staff, fixture_path, queued_only):
    client = login(staff)
    response = post_file(client, "organizers.json", read(fixture_path, "organizers.json"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.CHECKING
    page = client.get(detail(batch)).text  # someone who left comes back while it waits
    assert "Filen kontrolleras: organizers.json" in page
    assert reverse("portal:job-detail", args=[batch.job_id]) in page
    assert "Importera nu" not in page
    response = client.post(apply(batch), follow=True)
    assert "Filen kontrolleras fortfarande." in response.text
    tasks.import_check.call(str(batch.job_id))  # the worker
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED

    response = client.post(apply(batch))
    job = started_job(response)
    assert job.status == Job.Status.QUEUED
    page = client.get(detail(batch)).text
    assert "Import av organizers.json" in page
    assert reverse("portal:job-detail", args=[job.pk]) in page
    assert "js/job.js" in page  # it updates itself when the job moves on
    assert "Importera nu" not in page
    again = client.post(apply(batch), follow=True)
    assert again.redirect_chain[-1][0] == detail(batch)
    assert "Den här filen håller redan på att importeras." in again.text
    assert Job.objects.filter(kind="principals.import_apply").count() == 1
    assert Principal.objects.count() == 0

    tasks.import_apply.call(str(job.pk))  # the worker
    tasks.import_apply.call(str(job.pk))  # the same task delivered twice
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.attempts == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert AuditEvent.objects.filter(action="imported", actor=staff).count() == 3
    assert "Resultat av importen" in client.get(detail(batch)).text


def test_an_import_whose_worker_stopped_after_applying_is_not_applied_again(
    login, staff, fixture_path, queued_only
):
    client = login(staff)
    post_file(client, "organizers.json", read(fixture_path, "organizers.json"))
    batch = ImportBatch.objects.get()
    tasks.import_check.call(str(batch.job_id))
    job = started_job(client.post(apply(batch)))
    tasks.import_apply.call(str(job.pk))
    # The worker wrote the import and stopped before it could say the job was done.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(days=1)
    )
    assert jobs.resume_stalled() == (1, 0)
    tasks.import_apply.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (Job.Status.DONE, 2, "")
    assert AuditEvent.objects.filter(action="imported").count() == 3
    assert Principal.objects.count() == 3


def test_the_worker_refuses_to_act_for_someone_who_may_no_longer_import(
    login, staff, fixture_path, queued_only
):
    client = login(staff)
    post_file(client, "organizers.json", read(fixture_path, "organizers.json"))
    batch = ImportBatch.objects.get()
    tasks.import_check.call(str(batch.job_id))
    job = started_job(client.post(apply(batch)))
    staff.groups.clear()  # staff's role was taken away before a worker took the job
    tasks.import_apply.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "personen som startade importen får inte längre importera" in job.error
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNED
    assert Principal.objects.count() == 0
    assert not AuditEvent.objects.filter(action="imported").exists()
