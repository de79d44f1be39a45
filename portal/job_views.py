"""The pages of a background job: its state (for the person who asked only) and its file."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import jobs
from .models import Job


def _own(request, pk) -> Job:
    job = jobs.for_owner(request.user, pk)
    if job is None:
        raise Http404
    return job


@login_required
@never_cache
@require_GET
def job_list(request):
    recent = Job.objects.filter(owner=request.user).defer("result", "params")[:50]
    return render(request, "portal/job_list.html", {"jobs": recent})


@login_required
@never_cache
@require_GET
def job_detail(request, pk):
    job = _own(request, pk)
    return render(
        request,
        "portal/job_detail.html",
        {"job": job, "progress": _progress_text(job), "file_days": settings.JOB_FILE_DAYS},
    )


@login_required
@never_cache
@require_GET
def job_state(request, pk):
    """What the job page's script polls: enough to say when to show the finished page."""
    job = _own(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
            "text": _progress_text(job),
        }
    )


def _progress_text(job: Job) -> str:
    if not job.total:
        return ""
    return _("%(done)s of %(total)s (%(percent)s %%)") % {
        "done": number_format(job.done, force_grouping=True),
        "total": number_format(job.total, force_grouping=True),
        "percent": job.percent,
    }


@login_required
@never_cache
@require_GET
def job_file(request, pk):
    job = _own(request, pk)
    if job.status != Job.Status.DONE or not job.result_name:
        raise Http404
    if not job.result_sha256:
        return HttpResponse(
            _("The file was deleted %(days)s days after it was made. Make it again.")
            % {"days": settings.JOB_FILE_DAYS},
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    data = jobs.read_result(job)
    if data is None:
        return HttpResponse(
            _("The stored file does not match its checksum and is not given out."),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response
