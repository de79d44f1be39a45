"""Pages of the final report. Thin: reads come from content.py, writes from services.py."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from agreement.models import Agreement
from portal import spreadsheets
from portal.concurrency import EditConflict
from portal.permissions import EDIT_FINAL_REPORT, permission_required

from .. import archive
from ..models import ArchivalPackage, FinalReport, ReportSection, sha256
from . import content as report_content
from . import services
from .render import file_name as _filename
from .render import report_workbook


class SectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Heading"), max_length=services.MAX_TITLE)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=gettext_lazy(
            "Markdown: a line starting with # is a heading, - starts a list item, *emphasis*, "
            "**bold**, [text](https://…) is a link."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class NewSectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Heading of the new section"), max_length=200)


def _report(pk) -> FinalReport:
    return get_object_or_404(FinalReport.objects.select_related("agreement"), pk=pk)


@permission_required(EDIT_FINAL_REPORT)
def report_list(request):
    today = timezone.localdate()
    agreements = list(
        Agreement.objects.select_related("final_report").order_by("final_report_due", "pk")
    )
    rows = [
        {
            "agreement": a,
            "report": getattr(a, "final_report", None),
            "days_left": a.days_to_final_report(today),
            "late": -a.days_to_final_report(today),
        }
        for a in agreements
    ]
    return render(request, "reporting/report_list.html", {"rows": rows})


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def report_create(request, agreement_pk):
    agreement = get_object_or_404(Agreement, pk=agreement_pk)
    report = services.report_create(agreement=agreement, actor=request.user)
    messages.success(request, _("The final report has been started."))
    return redirect(report)


@permission_required(EDIT_FINAL_REPORT)
def report_detail(request, pk):
    report = _report(pk)
    sections = list(report.sections.select_related("initiative").order_by("order", "pk"))
    top = [s for s in sections if s.initiative_id is None]
    per_initiative = [s for s in sections if s.initiative_id is not None]
    checklist = services.report_checklist(report)
    submitted = getattr(report, "submitted", None) if report.is_submitted else None
    can_approve = request.user.has_perm(services.APPROVE_FINAL_REPORT)
    submitting = None if submitted else services.pending_job(report, services.SUBMIT_JOB)
    package = (
        ArchivalPackage.objects.filter(report=report).defer("package").first()
        if submitted
        else None
    )
    packaging = (
        services.pending_job(report, services.ARCHIVE_JOB) if submitted and not package else None
    )
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "agreement": report.agreement,
            "top_sections": top,
            "initiative_sections": per_initiative,
            "checklist": checklist,
            "checklist_ok": all(c.ok for c in checklist),
            "submitted": submitted,
            "checksums": submitted.checksums_match() if submitted else None,
            "can_approve": can_approve,
            "submitting": submitting,
            "package": package,
            "packaging": packaging,
            "job_url": reverse("portal:job-detail", args=[packaging.pk]) if packaging else "",
            "days_left": report.agreement.days_to_final_report(timezone.localdate()),
            "new_section_form": NewSectionForm(),
            "State": FinalReport.State,
        },
    )


@permission_required(EDIT_FINAL_REPORT)
def section_update(request, pk, section_pk):
    report = _report(pk)
    section = get_object_or_404(ReportSection, pk=section_pk, report=report)
    conflict = None
    if request.method == "POST":
        form = SectionForm(request.POST)
        if form.is_valid():
            try:
                services.section_update(
                    section=section,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    seen_version=form.cleaned_data["version"],
                )
            except EditConflict as exc:
                conflict = exc.current
                data = form.data.copy()
                data["version"] = conflict.version
                form = SectionForm(data)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Someone else saved this section after you opened it. Their text is "
                        "shown below; copy what you need into the form and save again."
                    ),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The section has been saved."))
                if "preview" in request.POST:
                    return redirect(
                        f"{_url('reporting:report-preview', report.pk)}#{_anchor(section)}"
                    )
                return redirect(report)
    else:
        form = SectionForm(
            initial={"title": section.title, "body": section.body, "version": section.version}
        )
    return render(
        request,
        "reporting/report_section_form.html",
        {
            "report": report,
            "section": section,
            "form": form,
            "conflict": conflict,
            "conflict_html": report_content.render_markdown(conflict.body) if conflict else "",
        },
    )


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def _anchor(section: ReportSection) -> str:
    if section.initiative_id:
        return f"insats-{section.initiative.number}"
    return f"avsnitt-{section.key}"


def _service_call(request, call, success: str):
    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def section_create(request, pk):
    report = _report(pk)
    form = NewSectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a heading for the new section."))
        return redirect(report)
    holder = {}

    def call():
        holder["section"] = services.section_create(
            report=report, actor=request.user, title=form.cleaned_data["title"]
        )

    if _service_call(request, call, _("The section has been added.")):
        return redirect("reporting:section-update", report.pk, holder["section"].pk)
    return redirect(report)


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def section_move(request, pk, section_pk):
    report = _report(pk)
    section = get_object_or_404(ReportSection, pk=section_pk, report=report)
    up = request.POST.get("direction") == "up"
    _service_call(
        request,
        lambda: services.section_move(section=section, actor=request.user, up=up),
        _("The order has been changed."),
    )
    return redirect(f"{report.get_absolute_url()}#avsnitt")


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def section_delete(request, pk, section_pk):
    report = _report(pk)
    section = get_object_or_404(ReportSection, pk=section_pk, report=report)
    _service_call(
        request,
        lambda: services.section_delete(section=section, actor=request.user),
        _("The section has been removed."),
    )
    return redirect(report)


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def report_transition(request, pk):
    report = _report(pk)
    to_state = request.POST.get("to", "")
    if to_state not in FinalReport.State.values or to_state == FinalReport.State.SUBMITTED:
        messages.error(request, _("Choose a status."))
        return redirect(report)
    _service_call(
        request,
        lambda: services.report_transition(
            report=report,
            actor=request.user,
            to_state=to_state,
            seen_version=_int(request.POST.get("version")),
        ),
        _("The status has been changed to: %(state)s.")
        % {"state": FinalReport.State(to_state).label},
    )
    return redirect(report)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@require_POST
@permission_required(services.APPROVE_FINAL_REPORT)
def report_submit(request, pk):
    """Start the submission job; the freeze itself is done by a worker."""
    report = _report(pk)
    try:
        job = services.submission_start(
            report=report, actor=request.user, seen_version=_int(request.POST.get("version"))
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(report)
    return redirect("portal:job-detail", pk=job.pk)


@permission_required(EDIT_FINAL_REPORT)
def report_preview(request, pk):
    """Today's data until submission; after it, the submitted document itself."""
    report = _report(pk)
    if report.is_submitted:
        return _frozen(report, "html", inline=True)
    content = report_content.build(report)
    return render(request, "reporting/report_preview.html", {"report": report, "content": content})


@csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})
def _submitted_document(html: str) -> HttpResponse:
    """The stored document as it was submitted: self-contained, its print styles inline (the
    document has no scripts and its text was sanitised when written)."""
    return HttpResponse(html, content_type="text/html; charset=utf-8")


# A submitted file: its field, its checksum's field, its content type and extension.
FROZEN = {
    "html": ("html", "html_sha256", "text/html; charset=utf-8", "html"),
    "pdf": ("pdf", "pdf_sha256", "application/pdf", "pdf"),
    "json": ("snapshot_json", "snapshot_sha256", "application/json", "json"),
    "xlsx": ("xlsx", "xlsx_sha256", spreadsheets.XLSX_CONTENT_TYPE, "xlsx"),
}


def _frozen(report: FinalReport, kind: str, *suffix: str, inline: bool = False) -> HttpResponse:
    """One of the submitted files, given out only while it matches its stored checksum."""
    if kind not in FROZEN:
        raise Http404
    field, checksum, ctype, ext = FROZEN[kind]
    submitted = report.submitted
    body = getattr(submitted, field)
    body = body if isinstance(body, str) else bytes(body)
    if sha256(body) != getattr(submitted, checksum):
        return HttpResponse(
            _("The stored file does not match its checksum and is not given out."),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    if inline:
        return _submitted_document(body)
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, ext, *suffix)}"'
    return response


@permission_required(EDIT_FINAL_REPORT)
def report_pdf(request, pk):
    """The submitted PDF once the report is submitted. Until then a POST starts a job that makes
    one from today's data (it takes several seconds); the job page gives the file."""
    report = _report(pk)
    if report.is_submitted:
        return _frozen(report, "pdf")
    if request.method != "POST":
        messages.info(
            request,
            _("The PDF of a report that is not submitted is made when you press “Create PDF”."),
        )
        return redirect(report)
    job = services.pdf_start(report=report, actor=request.user)
    return redirect("portal:job-detail", pk=job.pk)


@permission_required(EDIT_FINAL_REPORT)
def report_xlsx(request, pk):
    """The submitted XLSX once the report is submitted; until then one made from today's data
    (quick: the numbers only, well under a second)."""
    report = _report(pk)
    if report.is_submitted:
        return _frozen(report, "xlsx")
    data = report_workbook(report_content.build(report).snapshot())
    response = HttpResponse(data, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response


@permission_required(EDIT_FINAL_REPORT)
def submitted_download(request, pk, kind):
    report = _report(pk)
    if not report.is_submitted:
        raise Http404
    return _frozen(report, kind, "inlamnad")


@permission_required(EDIT_FINAL_REPORT)
def report_compare(request, pk):
    report = _report(pk)
    if not report.is_submitted:
        raise Http404
    comparison = services.compare_with_today(report)
    rows = []
    for diff in comparison["differences"]:
        rows.append(
            {
                **diff,
                "submitted_display": _shown(diff["submitted"], diff["kind"]),
                "today_display": _shown(diff["today"], diff["kind"]),
            }
        )
    return render(
        request,
        "reporting/report_compare.html",
        {
            "report": report,
            "submitted": report.submitted,
            "rows": rows,
            "same": comparison["same"],
        },
    )


def _shown(value, kind: str) -> str:
    """A number from the snapshot (decimals are stored as strings) or a withheld figure's label."""
    if value is None:
        return "–"
    if isinstance(value, str) and kind in spreadsheets.NUMERIC:
        try:
            value = Decimal(value)
        except ArithmeticError:
            return value  # "färre än 5", "skyddad"
    return spreadsheets.shown(value, kind)


@require_POST
@permission_required(EDIT_FINAL_REPORT)
def archive_start(request, pk):
    """Start the archival package of a submitted report that has none; a worker makes it."""
    report = _report(pk)
    try:
        job = services.package_start(report=report, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(report)
    return redirect("portal:job-detail", pk=job.pk)


@permission_required(EDIT_FINAL_REPORT)
def archive_download(request, pk):
    """The stored archival package, given out only while it matches its checksum."""
    report = _report(pk)
    if not ArchivalPackage.objects.filter(report=report).exists():
        raise Http404
    try:
        package = services.package_download(report=report, actor=request.user)
    except ValidationError as exc:
        return HttpResponse(
            " ".join(exc.messages), status=500, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(bytes(package.package), content_type=archive.CONTENT_TYPE)
    name = _filename(report, "zip", "arkivpaket")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
