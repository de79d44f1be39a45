from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import spreadsheets
from portal.concurrency import EditConflict
from portal.permissions import MANAGE_ROUNDS, VIEW_PRINCIPAL_DATA, permission_required
from principals import access
from principals.models import Principal

from . import selectors, services
from .forms import (
    ExtendForm,
    FrameworkCopyForm,
    IndicatorForm,
    OverviewFilterForm,
    ReturnForm,
    RoundForm,
    comment_name,
    parse_answers,
    raw_from_answers,
    value_name,
)
from .models import Assessment, FrameworkVersion, Indicator, ReportingRound

Types = Indicator.AnswerType


# ---------------------------------------------------------------- lookups


def _principal_and_round(request, principal_pk, round_pk):
    """Individual answers: members and staff only; government viewers never (403)."""
    principal = access.get_principal_for_answers(request.user, principal_pk)
    reporting_round = get_object_or_404(
        ReportingRound.objects.select_related("framework_version"), pk=round_pk
    )
    return principal, reporting_round


def _base_context(request, principal, reporting_round, assessment):
    return {
        "principal": principal,
        "round": reporting_round,
        "assessment": assessment,
        "is_editor": access.is_editor_member(request.user, principal),
        "editable": services.is_editable(assessment, reporting_round),
        "can_manage": request.user.has_perm(MANAGE_ROUNDS),
    }


# ---------------------------------------------------------------- organiser side


@login_required
def assessment_detail(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    working = assessment.working if assessment else None
    shown = assessment.current if assessment and assessment.current else working
    rows = {
        row["indicator"].code: row
        for row in selectors.answer_rows(indicators, shown.answers if shown else {})
    }
    context = _base_context(request, principal, reporting_round, assessment)
    context.update(
        {
            "shown": shown,
            "progress": selectors.progress(indicators, working.answers if working else {}),
            "groups": [
                (area, [rows[i.code] for i in items])
                for area, items in selectors.group_by_area(indicators)
            ],
            "return_form": ReturnForm(),
        }
    )
    return render(request, "readiness/assessment_detail.html", context)


def _questions(indicators, raw, errors, previous_answers):
    questions = []
    for indicator in indicators:
        entry = raw.get(indicator.code) or {}
        value = entry.get("value", [] if indicator.answer_type == Types.MULTI_CHOICE else "")
        selected = set(value) if isinstance(value, list) else {value}
        options = [
            {
                "value": option_value,
                "label": label,
                "checked": option_value in selected,
                "id": f"q-{indicator.code}-{index}",
            }
            for index, (option_value, label) in enumerate(indicator.options())
        ]
        questions.append(
            {
                "indicator": indicator,
                "id": f"q-{indicator.code}",
                "name": value_name(indicator.code),
                "comment_name": comment_name(indicator.code),
                "value": value if isinstance(value, str) else "",
                "options": options,
                "comment": entry.get("comment", ""),
                "error": errors.get(indicator.code),
                "previous": selectors.display_value(
                    indicator, (previous_answers.get(indicator.code) or {}).get("value")
                ),
            }
        )
    return questions


@login_required
def assessment_edit(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    if not access.is_editor_member(request.user, principal):
        raise PermissionDenied
    assessment = selectors.assessment_for(principal, reporting_round)
    if not services.is_editable(assessment, reporting_round) and request.method != "POST":
        messages.warning(request, _("The round is closed: the answers can no longer be changed."))
        return redirect(
            "readiness:assessment-detail", principal_pk=principal.pk, round_pk=reporting_round.pk
        )
    indicators = selectors.indicators_for(reporting_round.framework_version)
    previous = selectors.previous_assessment(principal, reporting_round)
    previous_answers = previous.current.answers if previous else {}
    working = assessment.working if assessment else None
    lock = assessment.version if assessment else 1
    errors: dict[str, str] = {}
    conflict_rows = None
    if request.method == "POST":
        answers, raw, errors = parse_answers(indicators, request.POST)
        lock = request.POST.get("lock", lock)
        if not errors:
            try:
                return _save_or_submit(request, principal, reporting_round, answers, lock)
            except EditConflict as conflict:
                theirs = conflict.current.working
                conflict_rows = selectors.diff_answers(
                    indicators, theirs.answers if theirs else {}, answers
                )
                lock = conflict.current.version
                assessment = conflict.current
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = {code: " ".join(msgs) for code, msgs in exc.message_dict.items()}
                else:
                    errors = {"__all__": " ".join(exc.messages)}
            except ValueError:
                errors = {"__all__": _("The form could not be read. Reload the page.")}
    else:
        raw = raw_from_answers(working.answers if working else {})
    questions = _questions(indicators, raw, errors, previous_answers)
    by_code = {q["indicator"].code: q for q in questions}
    context = _base_context(request, principal, reporting_round, assessment)
    current_answers = {
        code: {"value": value.get("value")} for code, value in raw.items() if value.get("value")
    }
    context.update(
        {
            "groups": [
                (area, [by_code[i.code] for i in items])
                for area, items in selectors.group_by_area(indicators)
            ],
            "error_list": [
                {"anchor": q["id"], "label": q["indicator"].question, "message": q["error"]}
                for q in questions
                if q["error"]
            ],
            "general_error": errors.get("__all__"),
            "conflict_rows": conflict_rows,
            "lock": lock,
            "previous": previous,
            "progress": selectors.progress(indicators, current_answers),
        }
    )
    return render(request, "readiness/assessment_form.html", context)


def _save_or_submit(request, principal, reporting_round, answers, lock):
    if "submit" in request.POST:
        version = services.assessment_submit(
            principal=principal,
            reporting_round=reporting_round,
            answers=answers,
            seen_version=lock,
            actor=request.user,
        )
        return redirect(
            "readiness:assessment-receipt",
            principal_pk=principal.pk,
            round_pk=reporting_round.pk,
            number=version.number,
        )
    services.assessment_save_draft(
        principal=principal,
        reporting_round=reporting_round,
        answers=answers,
        seen_version=lock,
        actor=request.user,
    )
    messages.success(request, _("The draft is saved. You can come back and continue at any time."))
    return redirect(
        "readiness:assessment-edit", principal_pk=principal.pk, round_pk=reporting_round.pk
    )


@login_required
def assessment_receipt(request, principal_pk, round_pk, number):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    if assessment is None:
        raise Http404
    version = get_object_or_404(
        assessment.versions.select_related("created_by"), number=number, kind="submitted"
    )
    context = _base_context(request, principal, reporting_round, assessment)
    context["version"] = version
    return render(request, "readiness/assessment_receipt.html", context)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def assessment_history(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    versions = list(selectors.versions_of(assessment)) if assessment else []
    by_number = {v.number: v for v in versions}
    new = by_number.get(_int_or_none(request.GET.get("till")))
    old = by_number.get(_int_or_none(request.GET.get("fran")))
    if new is None and versions:
        new = versions[0]
    if old is None and len(versions) > 1:
        old = next((v for v in versions if v.number < new.number), None)
    diff_rows = None
    if new is not None and old is not None:
        indicators = selectors.indicators_for(reporting_round.framework_version)
        diff_rows = selectors.diff_answers(indicators, old.answers, new.answers)
    context = _base_context(request, principal, reporting_round, assessment)
    context.update({"versions": versions, "old": old, "new": new, "diff_rows": diff_rows})
    return render(request, "readiness/assessment_history.html", context)


def _answers_for_output(assessment):
    """What plans and exports read: the last submission, else the draft."""
    if assessment is None:
        return None, {}
    version = assessment.current or assessment.draft
    return version, (version.answers if version else {})


@login_required
def assessment_action_plan(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    version, answers = _answers_for_output(assessment)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    context = _base_context(request, principal, reporting_round, assessment)
    context.update({"version": version, "plan": selectors.action_plan(indicators, answers)})
    return render(request, "readiness/assessment_action_plan.html", context)


def _export_rows(reporting_round, assessment):
    version, answers = _answers_for_output(assessment)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    return version, selectors.answer_rows(indicators, answers)


def _filename(principal, reporting_round, ext):
    return spreadsheets.download_name(
        "sjalvskattning", principal.name[:50], reporting_round.name[:50], ext=ext
    )


@login_required
def assessment_export_csv(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    version, rows = _export_rows(reporting_round, assessment)
    response = HttpResponse(content_type=spreadsheets.CSV_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(principal, reporting_round, "csv")}"'
    )
    writer = spreadsheets.CsvWriter(response)
    writer.writerow(
        [
            _("Area"),
            _("Code"),
            _("Question"),
            _("Answer"),
            _("Comment"),
            _("Required"),
            _("DNP"),
            _("Version"),
            _("Status"),
        ]
    )
    status = version.get_kind_display() if version else ""
    for row in rows:
        indicator = row["indicator"]
        writer.writerow(
            [
                indicator.area.title,
                indicator.code,
                indicator.question,
                row["answer"],
                row["comment"],
                _("Yes") if indicator.required else _("No"),
                _("Yes") if indicator.is_dnp else _("No"),
                version.number if version else "",
                status,
            ]
        )
    return response


@login_required
def assessment_export_pdf(request, principal_pk, round_pk):
    from weasyprint import HTML

    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    version, rows = _export_rows(reporting_round, assessment)
    groups = []
    for row in rows:
        area = row["indicator"].area
        if not groups or groups[-1][0].pk != area.pk:
            groups.append((area, []))
        groups[-1][1].append(row)
    html = render_to_string(
        "readiness/assessment_pdf.html",
        {
            "principal": principal,
            "round": reporting_round,
            "version": version,
            "groups": groups,
            "printed": timezone.localtime(),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(principal, reporting_round, "pdf")}"'
    )
    return response


@require_POST
@permission_required(MANAGE_ROUNDS)
def assessment_return(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    if assessment is None:
        raise Http404
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_return(
                assessment=assessment, comment=form.cleaned_data["comment"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The self-assessment was returned and the organiser's editors told.")
            )
            return redirect(
                "readiness:assessment-detail", principal_pk=principal.pk, round_pk=round_pk
            )
    else:
        messages.error(request, _("Say what needs to be corrected."))
    return redirect("readiness:assessment-detail", principal_pk=principal.pk, round_pk=round_pk)


# ---------------------------------------------------------------- staff: rounds


@permission_required(VIEW_PRINCIPAL_DATA)
def round_list(request):
    rounds = list(selectors.rounds_with_counts())
    total = Principal.objects.active().count()
    return render(
        request,
        "readiness/round_list.html",
        {"rounds": rounds, "total": total, "can_manage": request.user.has_perm(MANAGE_ROUNDS)},
    )


@permission_required(MANAGE_ROUNDS)
def round_create(request):
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reporting_round = services.round_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The round was created."))
            return redirect("readiness:round-detail", pk=reporting_round.pk)
    return render(request, "readiness/round_form.html", {"form": form})


@permission_required(VIEW_PRINCIPAL_DATA)
def round_detail(request, pk):
    reporting_round = get_object_or_404(
        ReportingRound.objects.select_related("framework_version"), pk=pk
    )
    filters = OverviewFilterForm(request.GET or None)
    principals = Principal.objects.active()
    show = "not_submitted"
    if filters.is_valid():
        if filters.cleaned_data["organiser_type"]:
            principals = principals.filter(organiser_type=filters.cleaned_data["organiser_type"])
        if filters.cleaned_data["county"]:
            principals = principals.filter(county=filters.cleaned_data["county"])
        show = filters.cleaned_data["show"] or show
    rows = selectors.organiser_rows(reporting_round, principals)
    if show == "not_submitted":
        rows = rows.filter(
            Q(assessment_state__isnull=True) | ~Q(assessment_state=Assessment.State.SUBMITTED)
        )
    elif show == "submitted":
        rows = rows.filter(assessment_state=Assessment.State.SUBMITTED)
    page = Paginator(rows, 50).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "readiness/round_detail.html",
        {
            "round": reporting_round,
            "counts": selectors.round_counts(reporting_round, principals),
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "show": show,
            "states": dict(Assessment.State.choices),
            "can_manage": request.user.has_perm(MANAGE_ROUNDS),
            "extend_form": ExtendForm(),
        },
    )


def _round_action(request, pk, action, success):
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    try:
        action(reporting_round)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("readiness:round-detail", pk=pk)


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_remind(request, pk):
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    try:
        result = services.reminders_send(reporting_round=reporting_round, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("Reminders sent to %(sent)s organisers.") % {"sent": len(result.sent)}
        if result.skipped_recent:
            text += " " + _(
                "%(n)s were not reminded again: they got a reminder less than 24 hours ago."
            ) % {"n": result.skipped_recent}
        if result.skipped_no_address:
            text += " " + _("%(n)s have no e-mail address.") % {"n": result.skipped_no_address}
        messages.success(request, text)
    return redirect("readiness:round-detail", pk=pk)


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_extend(request, pk):
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the new closing date as YYYY-MM-DD."))
        return redirect("readiness:round-detail", pk=pk)
    return _round_action(
        request,
        pk,
        lambda r: services.round_extend(
            reporting_round=r, closes_on=form.cleaned_data["closes_on"], actor=request.user
        ),
        _("The closing date was changed."),
    )


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_close(request, pk):
    return _round_action(
        request,
        pk,
        lambda r: services.round_close(reporting_round=r, actor=request.user),
        _("The round is closed."),
    )


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_open(request, pk):
    return _round_action(
        request,
        pk,
        lambda r: services.round_open(reporting_round=r, actor=request.user),
        _("The round is open."),
    )


# ---------------------------------------------------------------- staff: frameworks


@permission_required(MANAGE_ROUNDS)
def framework_list(request):
    frameworks = FrameworkVersion.objects.all()
    return render(request, "readiness/framework_list.html", {"frameworks": frameworks})


@permission_required(MANAGE_ROUNDS)
def framework_detail(request, pk):
    framework = get_object_or_404(FrameworkVersion, pk=pk)
    indicators = selectors.indicators_for(framework)
    return render(
        request,
        "readiness/framework_detail.html",
        {
            "framework": framework,
            "groups": selectors.group_by_area(indicators),
            "count": len(indicators),
            "copy_form": FrameworkCopyForm(),
        },
    )


@require_POST
@permission_required(MANAGE_ROUNDS)
def framework_copy(request, pk):
    framework = get_object_or_404(FrameworkVersion, pk=pk)
    form = FrameworkCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = services.framework_copy(
                framework=framework, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("A new draft version was made. Edit it, then publish it."))
            return redirect("readiness:framework-detail", pk=copy.pk)
    else:
        messages.error(request, _("Give the new version a name."))
    return redirect("readiness:framework-detail", pk=pk)


@require_POST
@permission_required(MANAGE_ROUNDS)
def framework_publish(request, pk):
    framework = get_object_or_404(FrameworkVersion, pk=pk)
    try:
        services.framework_publish(framework=framework, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The version is published and can no longer be changed."))
    return redirect("readiness:framework-detail", pk=pk)


@permission_required(MANAGE_ROUNDS)
def indicator_edit(request, pk):
    indicator = get_object_or_404(Indicator.objects.select_related("framework", "area"), pk=pk)
    if indicator.framework.is_published:
        messages.error(
            request,
            _("A published framework version cannot be changed. Make a new version by copying it."),
        )
        return redirect("readiness:framework-detail", pk=indicator.framework_id)
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        values = {
            name: form.cleaned_data[name]
            for name in IndicatorForm.Meta.fields
            if name in form.fields
        }
        values["tags"] = form.tags()
        try:
            services.indicator_update(indicator=indicator, actor=request.user, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The indicator was saved."))
            return redirect("readiness:framework-detail", pk=indicator.framework_id)
    return render(request, "readiness/indicator_form.html", {"form": form, "indicator": indicator})
