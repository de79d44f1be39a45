"""The browser's way through a register import: upload, the check's job, the import's job."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Job
from tests.jobs import started_job


def post_file(client, name: str, content: bytes, **options):
    """Upload a register file as the form does; the answer sends the person to the check's job."""
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("principals:import-upload"), {"file": upload, **options})


def follow(client, response) -> str:
    """From a job's page to what a person reads next: the result's page when the job is done
    (through the page's own link), else the job's page with the reason it failed."""
    job = started_job(response)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert job.finished, job.status
    if job.status == Job.Status.DONE:
        assert f'href="{job.result_url}"' in page.text
        return client.get(job.result_url).text
    return page.text
