"""The final report's long work runs as jobs: the draft's PDF and the submission freeze.

In tests the immediate backend runs a job when it is started; the tests that need a job to
wait (queued, not yet run) use the dummy backend, which only stores what is enqueued, and then
deliver the task by hand, once or twice, as a worker would."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from portal.models import AuditEvent, Job, OutgoingMail
from reporting.final_report import services, tasks
from reporting.models import FinalReport, ReportReminder, SubmittedReport, sha256
from tests.jobs import started_job
from tests.portal.factories import lead_user, staff_user

from .factories import approve, report_agreement

State = FinalReport.State
pytestmark = pytest.mark.django_db

QUEUES = ["default", "mail", "jobs"]
# Enqueued tasks are kept, not run: the job stays queued until the test delivers it.
HELD = override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": QUEUES}}
)


@pytest.fixture
def report(staff):
    return services.report_create(agreement=report_agreement(), actor=staff)


@pytest.fixture
def approved(report, staff, lead):
    return approve(report, staff, lead)


def post_submit(client, report, version=None):
    report.refresh_from_db()
    return client.post(
        reverse("reporting:report-submit", args=[report.pk]),
        {"version": report.version if version is None else version},
    )


TAMPER = {
    "pdf_sha256": "UPDATE reporting_submittedreport SET pdf_sha256 = %s WHERE id = %s",
    "snapshot_json": "UPDATE reporting_submittedreport SET snapshot_json = %s WHERE id = %s",
}


def tamper(column: str, value, pk: int) -> None:
    """Change a stored submission behind the model's back (the model refuses any change)."""
    with connection.cursor() as cursor:
        cursor.execute(TAMPER[column], [value, pk])


# ---------------------------------------------------------------- the draft's PDF


def test_the_pdf_is_made_by_a_job_and_only_its_owner_downloads_it(report, staff, login, client):
    response = login(staff).post(reverse("reporting:report-pdf", args=[report.pk]))
    job = started_job(response)
    assert (job.kind, job.owner, job.params["report"]) == (services.PDF_JOB, staff, report.pk)
    assert job.status == Job.Status.DONE
    assert job.title == f"PDF av slutredovisningen: {report.agreement.title}"

    page = client.get(response["Location"]).content.decode()
    file_url = reverse("portal:job-file", args=[job.pk])
    assert f'href="{file_url}"' in page
    download = client.get(file_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert hashlib.sha256(download.content).hexdigest() == job.result_sha256
    name = download["Content-Disposition"]
    assert name.startswith('attachment; filename="slutredovisning-') and name.endswith('.pdf"')

    # Someone else, even with the same permission, finds neither the job nor its file.
    for other in (staff_user(username="staff-2"), lead_user(username="lead-2")):
        client.force_login(other)
        assert client.get(reverse("portal:job-detail", args=[job.pk])).status_code == 404
        assert client.get(file_url).status_code == 404

    # The stored file is checked against its checksum on every download.
    Job.objects.filter(pk=job.pk).update(result=download.content[:-10] + b"0123456789")
    client.force_login(staff)
    refused = client.get(file_url)
    assert refused.status_code == 500
    assert b"%PDF" not in refused.content


def test_opening_the_pdf_address_of_a_draft_starts_nothing(report, staff, login):
    client = login(staff)
    response = client.get(reverse("reporting:report-pdf", args=[report.pk]), follow=True)
    assert response.redirect_chain == [(report.get_absolute_url(), 302)]
    assert "skapas när du trycker på ”Skapa PDF”" in response.content.decode()
    assert not Job.objects.exists()


def test_the_report_page_offers_a_button_for_the_draft_pdf(report, staff, login):
    page = login(staff).get(report.get_absolute_url()).content.decode()
    action = reverse("reporting:report-pdf", args=[report.pk])
    assert f'<form method="post" action="{action}"' in page
    assert "Skapa PDF" in page


@pytest.mark.parametrize("who", ["government", "editor_a", "reader_a"])
def test_others_cannot_start_a_pdf(report, request, who, login):
    client = login(request.getfixturevalue(who))
    assert client.post(reverse("reporting:report-pdf", args=[report.pk])).status_code == 403
    assert not Job.objects.exists()


def test_anonymous_cannot_start_a_pdf(report, client):
    response = client.post(reverse("reporting:report-pdf", args=[report.pk]))
    assert response.status_code == 302 and "/konto/logga-in/" in response["Location"]
    assert not Job.objects.exists()


@HELD
def test_a_second_click_while_the_pdf_is_made_gives_the_same_job(report, staff, lead, login):
    client = login(staff)
    url = reverse("reporting:report-pdf", args=[report.pk])
    first = started_job(client.post(url))
    assert first.status == Job.Status.QUEUED
    assert started_job(client.post(url)) == first
    client.force_login(lead)
    assert started_job(client.post(url)) != first  # another person gets a job of their own
    assert Job.objects.count() == 2


@HELD
def test_a_pdf_job_run_after_the_submission_gives_the_frozen_pdf(approved, staff, lead):
    job = services.pdf_start(report=approved, actor=staff)
    frozen = services.report_submit(report=approved, actor=lead, seen_version=approved.version)
    tasks.build_pdf.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert bytes(job.result) == bytes(frozen.pdf)


@HELD
def test_a_pdf_job_fails_when_its_owner_lost_the_role_meanwhile(report, staff):
    job = services.pdf_start(report=report, actor=staff)
    staff.groups.clear()
    tasks.build_pdf.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Du får inte längre göra det här: din roll i portalen har ändrats."
    assert job.result is None


# ---------------------------------------------------------------- the submission


def test_the_submit_click_freezes_the_report_in_a_job(approved, lead, login):
    client = login(lead)
    version = approved.version
    response = post_submit(client, approved)
    job = started_job(response)
    assert job.kind == services.SUBMIT_JOB
    assert job.params == {
        "report": approved.pk,
        "actor": lead.pk,
        "version": version,
        "task": tasks.submit_report.module_path,
    }
    assert job.status == Job.Status.DONE
    assert job.result_url == approved.get_absolute_url()
    assert job.title == f"Inlämning av slutredovisningen: {approved.agreement.title}"
    assert (
        f'href="{approved.get_absolute_url()}"' in client.get(response["Location"]).content.decode()
    )

    approved.refresh_from_db()
    assert approved.state == State.SUBMITTED
    frozen = SubmittedReport.objects.get()
    assert frozen.report == approved
    assert all(frozen.checksums_match().values())
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Inlämnad version" in page and frozen.pdf_sha256 in page
    for kind, checksum in (
        ("pdf", frozen.pdf_sha256),
        ("html", frozen.html_sha256),
        ("json", frozen.snapshot_sha256),
        ("xlsx", frozen.xlsx_sha256),
    ):
        download = client.get(reverse("reporting:submitted-download", args=[approved.pk, kind]))
        assert download.status_code == 200, kind
        assert sha256(download.content) == checksum, kind
    # The record keeps the lead who clicked, though a worker did the work.
    submitted = AuditEvent.objects.for_object(approved).get(action="submitted")
    assert submitted.actor == lead
    assert submitted.changes["pdf_sha256"] == [None, frozen.pdf_sha256]
    approved.agreement.refresh_from_db()
    assert approved.agreement.reported_on is not None


def test_a_tampered_frozen_file_is_not_given_out(approved, lead, staff, login):
    frozen = services.report_submit(report=approved, actor=lead, seen_version=approved.version)
    tamper("pdf_sha256", "0" * 64, frozen.pk)
    tamper("snapshot_json", '{"tables": {}}', frozen.pk)
    client = login(staff)
    for url in (
        reverse("reporting:report-pdf", args=[approved.pk]),
        reverse("reporting:submitted-download", args=[approved.pk, "pdf"]),
        reverse("reporting:submitted-download", args=[approved.pk, "json"]),
    ):
        response = client.get(url)
        assert response.status_code == 500, url
        assert "stämmer inte med sin kontrollsumma" in response.content.decode(), url
    assert (
        client.get(reverse("reporting:submitted-download", args=[approved.pk, "xlsx"])).status_code
        == 200
    )
    page = client.get(approved.get_absolute_url()).content.decode()
    assert page.count("Stämmer inte") == 2


@HELD
def test_while_the_submission_is_queued_the_page_says_so_and_a_second_submit_is_refused(
    approved, lead, login
):
    client = login(lead)
    job = started_job(post_submit(client, approved))
    assert job.status == Job.Status.QUEUED
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Redovisningen håller på att lämnas in" in page
    assert f'href="{reverse("portal:job-detail", args=[job.pk])}"' in page
    assert reverse("reporting:report-submit", args=[approved.pk]) not in page

    again = post_submit(client, approved)
    assert again["Location"] == approved.get_absolute_url()
    shown = client.get(again["Location"]).content.decode()
    assert "Redovisningen håller redan på att lämnas in." in shown
    other = lead_user(username="lead-2")
    client.force_login(other)
    refused = post_submit(client, approved)
    assert refused["Location"] == approved.get_absolute_url()
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Redovisningen håller på att lämnas in" in page
    assert reverse("portal:job-detail", args=[job.pk]) not in page  # not their job
    assert Job.objects.count() == 1
    assert not SubmittedReport.objects.exists()

    # A worker delivers it; delivered again, it does nothing.
    tasks.submit_report.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    finished_at = job.finished_at
    tasks.submit_report.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.finished_at, job.attempts) == (Job.Status.DONE, finished_at, 1)
    assert SubmittedReport.objects.count() == 1
    assert AuditEvent.objects.for_object(approved).filter(action="submitted").count() == 1
    client.force_login(lead)
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Inlämnad version" in page and "håller på att lämnas in" not in page


@HELD
def test_a_job_delivered_again_after_its_freeze_was_written_changes_nothing(approved, lead):
    job = services.submission_start(report=approved, actor=lead, seen_version=approved.version)
    tasks.submit_report.call(str(job.pk))
    frozen = SubmittedReport.objects.get()
    # The worker died after the freeze was committed and before the job was marked done: the
    # job is queued again and delivered a second time.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, finished_at=None)
    tasks.submit_report.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result_url == approved.get_absolute_url()
    assert list(SubmittedReport.objects.all()) == [frozen]
    assert AuditEvent.objects.for_object(approved).filter(action="submitted").count() == 1
    approved.refresh_from_db()
    assert approved.state == State.SUBMITTED


def test_after_the_submission_a_second_submit_is_refused(approved, lead, login):
    client = login(lead)
    started_job(post_submit(client, approved))
    response = post_submit(client, approved)
    assert response["Location"] == approved.get_absolute_url()
    assert (
        "Bara en godkänd redovisning kan lämnas in."
        in client.get(response["Location"]).content.decode()
    )
    assert SubmittedReport.objects.count() == 1
    # The submission and the archival package it queued (tests/reporting/test_archive.py).
    assert sorted(Job.objects.values_list("kind", flat=True)) == sorted(
        [services.SUBMIT_JOB, services.ARCHIVE_JOB]
    )


@HELD
def test_the_job_checks_the_version_again_under_the_lock(approved, lead):
    job = services.submission_start(report=approved, actor=lead, seen_version=approved.version)
    # Sent back to draft after the click and before a worker took the job.
    services.report_transition(
        report=approved, actor=lead, to_state=State.DRAFT, seen_version=approved.version
    )
    tasks.submit_report.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Någon annan har ändrat redovisningens status under tiden" in job.error
    assert not SubmittedReport.objects.exists()
    approved.refresh_from_db()
    assert approved.state == State.DRAFT


@HELD
def test_the_job_checks_the_checklist_again(approved, lead):
    job = services.submission_start(report=approved, actor=lead, seen_version=approved.version)
    approved.sections.filter(key="summary").update(body="")
    tasks.submit_report.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Redovisningen kan inte lämnas in ännu")
    assert not SubmittedReport.objects.exists()


@pytest.mark.parametrize("version", [None, -1])
def test_a_refused_click_starts_no_job(approved, staff, lead, login, version):
    client = login(staff)
    assert post_submit(client, approved).status_code == 403  # staff do not submit
    client.force_login(lead)
    if version is None:
        approved.sections.filter(key="summary").update(body="")  # the checklist blocks
    response = post_submit(client, approved, version=version)
    assert response["Location"] == approved.get_absolute_url()
    assert not Job.objects.exists()
    assert not SubmittedReport.objects.exists()


# ---------------------------------------------------------------- reminders


def test_reminders_are_delivery_records_sent_once_per_threshold(report, staff, lead):
    staff.email, lead.email = "staff@skr.example", "lead@skr.example"
    staff.save()
    lead.save()
    agreement = report.agreement
    day = agreement.final_report_due - datetime.timedelta(days=14)
    run = services.reminders_due(today=day)
    reminder = ReportReminder.objects.get()
    assert run.sent == [reminder] and reminder.days_before == 14
    message = OutgoingMail.objects.get()
    assert message.key == f"report-reminder:{reminder.pk}"
    assert message.topic == f"agreement:{agreement.pk}"
    assert message.label == agreement.title
    assert message.kind == "report-reminder"
    assert sorted(message.to) == ["lead@skr.example", "staff@skr.example"]
    assert message.status == OutgoingMail.Status.SENT and message.sent_at is not None
    assert message.created_by_label == "send_report_reminders"
    assert "14 dagar" in message.subject
    assert reverse("reporting:report-detail", args=[report.pk]) in message.body
    assert [m.subject for m in mail.outbox] == [message.subject]

    # The same day again, and the next day: the threshold was reminded of already.
    for again in (day, day + datetime.timedelta(days=1)):
        assert not services.reminders_due(today=again).sent
    assert OutgoingMail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_reminder_that_is_not_recorded_sends_nothing(report, staff):
    """The message is queued in the reminder's transaction: when that rolls back, it goes too."""
    from django.db import transaction

    staff.email = "staff@skr.example"
    staff.save()
    day = report.agreement.final_report_due - datetime.timedelta(days=7)
    with HELD, pytest.raises(RuntimeError), transaction.atomic():
        services.reminders_due(today=day)
        assert OutgoingMail.objects.count() == 1
        raise RuntimeError("the run is stopped before it commits")
    assert not OutgoingMail.objects.exists()
    assert not ReportReminder.objects.exists()
