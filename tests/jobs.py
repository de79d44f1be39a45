"""Following a background job in tests: the request that started it, then its file."""

from django.urls import resolve

from portal.models import Job


def started_job(response) -> Job:
    """The job a POST started: it answered with a redirect to the job's page."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.view_name == "portal:job-detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def job_download(client, response):
    """Start the job with `response`'s request, and download the file it made."""
    job = started_job(response)
    assert job.status == Job.Status.DONE, job.error
    file = client.get(f"/jobb/{job.pk}/fil")
    assert file.status_code == 200, file.status_code
    return file
