"""The archival package is made by a real worker process: the lead's submission queues the
freeze, the freeze queues the package, and the worker (`manage.py worker`, database task
backend, PostgreSQL) does both; the stored package verifies against the frozen files."""

import pytest

from portal import audit
from portal.models import Job
from reporting import archive
from reporting.final_report import services
from reporting.models import ArchivalPackage
from tests.portal.factories import lead_user, staff_user
from tests.reporting.factories import approve, report_agreement
from tests.reporting.test_archive import DATA

from .conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_submits_the_report_and_makes_its_archival_package(system, tasks_in_database):
    staff, lead = staff_user(username="personal"), lead_user(username="ledning")
    report = services.report_create(agreement=report_agreement(), actor=staff)
    approve(report, staff, lead)
    job = services.submission_start(report=report, actor=lead, seen_version=report.version)
    assert job.status == Job.Status.QUEUED  # nothing runs in this process
    worker = system.worker()

    wait_until(
        lambda: ArchivalPackage.objects.filter(report=report).exists(),
        timeout=90,
        what="the archival package",
    )
    worker.check_alive()
    jobs = {j.kind: j for j in Job.objects.all()}
    assert jobs[services.SUBMIT_JOB].status == Job.Status.DONE
    wait_until(
        lambda: Job.objects.get(kind=services.ARCHIVE_JOB).status == Job.Status.DONE,
        timeout=30,
        what="the packaging job's end",
    )
    package = ArchivalPackage.objects.get(report=report)
    report.refresh_from_db()
    result = archive.verify(
        bytes(package.package),
        expected_sha256=package.package_sha256,
        frozen=services.frozen_checksums(report.submitted),
        schema_folder=DATA,
    )
    assert result.ok, result.problems
    assert package.created_by_label == audit.actor_label(lead)
