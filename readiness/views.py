from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import jobs, outbox, spreadsheets
from portal.audit import history_html
from portal.fragments import change_version, fragment, remember
from portal.permissions import MANAGE_ROUNDS, VIEW_PRINCIPAL_DATA, permission_required
from principals import access
from principals.models import Membership, Principal

from . import exports, selectors, services, tasks
from .forms import (
    ExtendForm,
    FrameworkCopyForm,
    IndicatorForm,
    OverviewFilterForm,
    ReturnForm,
    RoundForm,
)
from .models import Assessment, FrameworkVersion, Indicator, Reminder, ReportingRound

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
        "is_editor": principal.is_editor,  # found with the principal (access.py)
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
            "current_number": selectors.submission_number(assessment.current)
            if assessment
            else None,
        }
    )
    return render(request, "readiness/assessment_detail.html", context)


@login_required
def assessment_receipt(request, principal_pk, round_pk, number):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    if assessment is None:
        raise Http404
    version = selectors.submitted_version(assessment, number)
    if version is None:
        raise Http404
    context = _base_context(request, principal, reporting_round, assessment)
    context.update({"version": version, "submission": number})
    return render(request, "readiness/assessment_receipt.html", context)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def assessment_history(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_state(principal, reporting_round)
    context = _base_context(request, principal, reporting_round, assessment)
    new_number = _int_or_none(request.GET.get("till"))
    old_number = _int_or_none(request.GET.get("fran"))
    # The versions and the comparison are made once per reader and choice until anything
    # changes (portal/fragments.py): names are shown as this reader may see them.
    context["history"] = fragment(
        "assessment-history",
        (
            assessment.pk if assessment else None,
            assessment.version if assessment else None,
            old_number,
            new_number,
            request.user.pk,
        ),
        lambda: render_to_string(
            "readiness/partials/history_body.html",
            _history(reporting_round, assessment, new_number=new_number, old_number=old_number),
            request=request,
        ),
    )
    return render(request, "readiness/assessment_history.html", context)


def _history(reporting_round, assessment, *, new_number=None, old_number=None) -> dict:
    versions = list(selectors.versions_of(assessment)) if assessment else []
    by_number = {v.number: v for v in versions}
    new = by_number.get(new_number)
    old = by_number.get(old_number)
    if new is None and versions:
        new = versions[0]
    if old is None and len(versions) > 1:
        # By default: what changed since the submission before, else since the version before.
        older = [v for v in versions if v.number < new.number]
        old = next((v for v in older if v.kind == v.Kind.SUBMITTED), None) or next(
            iter(older), None
        )
    diff_rows = None
    if new is not None and old is not None:
        indicators = selectors.indicators_for(reporting_round.framework_version)
        diff_rows = selectors.diff_answers(indicators, old.answers, new.answers)
    numbers = selectors.submission_numbers(versions)
    return {
        "versions": [
            {"version": v, "submission": numbers.get(v.number), "label": _label(v, numbers)}
            for v in versions
        ],
        "old": old,
        "new": new,
        "old_label": _label(old, numbers) if old else "",
        "new_label": _label(new, numbers) if new else "",
        "diff_rows": diff_rows,
    }


def _label(version, numbers: dict[int, int]) -> str:
    """How a version is named in running text: submissions by their number, drafts by time."""
    if version.number in numbers:
        return _("version %(number)s") % {"number": numbers[version.number]}
    return _("the draft saved %(when)s") % {
        "when": date_format(timezone.localtime(version.created_at), "SHORT_DATETIME_FORMAT")
    }


@login_required
def assessment_action_plan(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    version, answers = exports.answers_for_output(assessment)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    context = _base_context(request, principal, reporting_round, assessment)
    context.update(exports.output_context(version))
    context["plan"] = selectors.action_plan(indicators, answers)
    return render(request, "readiness/assessment_action_plan.html", context)


def _attachment(response, principal, reporting_round, ext):
    name = exports.assessment_filename(principal, reporting_round, ext=ext)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def assessment_export_csv(request, principal_pk, round_pk):
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    assessment = selectors.assessment_for(principal, reporting_round)
    response = HttpResponse(content_type=spreadsheets.CSV_CONTENT_TYPE)
    exports.assessment_csv_write(
        stream=response, reporting_round=reporting_round, assessment=assessment
    )
    return _attachment(response, principal, reporting_round, "csv")


@require_POST
@login_required
def assessment_export_pdf(request, principal_pk, round_pk):
    """The PDF is made by a worker; the person follows it on the job page."""
    principal, reporting_round = _principal_and_round(request, principal_pk, round_pk)
    job = jobs.start(
        task=tasks.assessment_pdf,
        kind="readiness-answers-pdf",
        title=_("Answers of %(principal)s in %(round)s (PDF)")
        % {"principal": principal, "round": reporting_round.name},
        owner=request.user,
        params={
            "principal": principal.pk,
            "round": reporting_round.pk,
            "actor": request.user.pk,
            "language": translation.get_language(),
        },
    )
    return redirect("portal:job-detail", pk=job.pk)


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
                request,
                _(
                    "The self-assessment of %(principal)s was returned for correction and its "
                    "editors were told by e-mail."
                )
                % {"principal": principal.name},
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
            messages.success(
                request, _("The round %(name)s was created.") % {"name": reporting_round.name}
            )
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
    # The counts and the list of organisers are made once per filter until anything in them
    # changes (portal/fragments.py).
    seen = (reporting_round.pk, request.GET.urlencode())
    version = change_version([Principal, Assessment, Membership, Reminder])
    counts = remember(
        "round-counts",
        seen,
        lambda: selectors.round_counts(reporting_round, principals),
        version=version,
    )

    def organisers() -> str:
        return render_to_string(
            "readiness/partials/round_organisers.html",
            _organiser_list(request, reporting_round, principals, counts, filters, show),
        )

    organisers_html = fragment("round-organisers", seen, organisers, version=version)
    return render(
        request,
        "readiness/round_detail.html",
        {
            "round": reporting_round,
            "counts": counts,
            "organisers": organisers_html,
            "can_manage": request.user.has_perm(MANAGE_ROUNDS),
            "extend_form": ExtendForm(),
            "delivery": outbox.summary(f"round:{reporting_round.pk}"),
            "history": history_html(reporting_round, request.user, version=version),
        },
    )


def _round_action(request, pk, action, success):
    """Run a round service; `success` names what was done, from the round as it is now."""
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    try:
        changed = action(reporting_round)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(changed))
    return redirect("readiness:round-detail", pk=pk)


def _confirm(request, *, title, facts, button, action, cancel, warning=True):
    """The page between a first POST and the real one: what the action touches, in numbers."""
    return render(
        request,
        "readiness/confirm.html",
        {
            "title": title,
            "facts": facts,
            "button": button,
            "action": action,
            "cancel": cancel,
            "warning": warning,
        },
    )


def _organisers(n: int) -> str:
    return ngettext("%(n)s school organiser", "%(n)s school organisers", n) % {"n": n}


def _recipients(n: int) -> str:
    return ngettext("%(n)s recipient", "%(n)s recipients", n) % {"n": n}


def _organiser_list(request, reporting_round, principals, counts, filters, show) -> dict:
    submitted = Exists(
        Assessment.objects.filter(
            round=reporting_round, principal=OuterRef("pk"), state=Assessment.State.SUBMITTED
        )
    )
    if show == "not_submitted":
        principals, count = principals.filter(~submitted), counts["total"] - counts["submitted"]
    elif show == "submitted":
        principals, count = principals.filter(submitted), counts["submitted"]
    else:
        count = counts["total"]
    # The counts already say how many rows there are: no second count of every organiser.
    paginator = selectors.CountedPaginator(
        selectors.organiser_rows(reporting_round, principals), 50, count=count
    )
    query = request.GET.copy()
    query.pop("sida", None)
    page = paginator.get_page(request.GET.get("sida"))
    # Labels looked up once per page, not per row and member (get_..._display hashes every
    # choice), and each organiser's members read once from what was prefetched.
    types = {value: str(label) for value, label in Principal.OrganiserType.choices}
    states = {value: str(label) for value, label in Assessment.State.choices}
    roles = {value: str(label).lower() for value, label in Membership.Role.choices}
    page.object_list = list(page.object_list)
    for principal in page.object_list:
        principal.type_label = types.get(principal.organiser_type, principal.organiser_type)
        principal.state_label = states.get(principal.assessment_state, "")
        principal.members = [
            {
                "name": m.user.get_full_name() or m.user.username,
                "role": roles.get(m.role, m.role),
                "email": m.user.email,
            }
            for m in principal.memberships.all()
        ]
    return {
        "round": reporting_round,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "show": show,
    }


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_remind(request, pk):
    """The first POST only shows who would be reminded; the confirmed one sends."""
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    if not reporting_round.is_open:
        messages.error(request, _("Reminders can only be sent while the round is open."))
        return redirect("readiness:round-detail", pk=pk)
    if request.POST.get("confirm") != "1":
        plan = selectors.reminder_plan(
            reporting_round, now=timezone.now(), interval=services.REMINDER_INTERVAL
        )
        facts = [
            _("A reminder goes to %(organisers)s (%(recipients)s).")
            % {
                "organisers": _organisers(len(plan.targets)),
                "recipients": _recipients(plan.recipient_count),
            }
            if plan.targets
            else _("No organiser is to be reminded right now.")
        ]
        if plan.skipped_recent:
            facts.append(
                _("Left out: %(organisers)s that got a reminder less than 24 hours ago.")
                % {"organisers": _organisers(plan.skipped_recent)}
            )
        if plan.skipped_no_address:
            facts.append(
                _("Left out: %(organisers)s without an e-mail address.")
                % {"organisers": _organisers(plan.skipped_no_address)}
            )
        return _confirm(
            request,
            title=_("Send reminders in %(name)s?") % {"name": reporting_round.name},
            facts=facts,
            button=_("Send the reminders") if plan.targets else "",
            action=reverse("readiness:round-remind", args=[pk]),
            cancel=reverse("readiness:round-detail", args=[pk]),
            warning=False,
        )
    job = jobs.start(
        task=tasks.send_reminders,
        kind="readiness-reminders",
        title=_("Reminders in %(name)s") % {"name": reporting_round.name},
        owner=request.user,
        params={"round": reporting_round.pk, "actor": request.user.pk},
    )
    return redirect("portal:job-detail", pk=job.pk)


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
        lambda r: (
            _("The round %(name)s is open until %(date)s.")
            % {"name": r.name, "date": date_format(r.closes_on, "DATE_FORMAT")}
        ),
    )


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_close(request, pk):
    """Closing stops every organiser that has not submitted: confirmed first, with numbers."""
    reporting_round = get_object_or_404(ReportingRound, pk=pk)
    if reporting_round.status == ReportingRound.Status.CLOSED:
        messages.error(request, _("The round is already closed."))
        return redirect("readiness:round-detail", pk=pk)
    counts = selectors.round_counts(reporting_round)
    waiting = counts["total"] - counts["submitted"]
    if request.POST.get("confirm") != "1":
        return _confirm(
            request,
            title=_("Close %(name)s now?") % {"name": reporting_round.name},
            facts=[
                _("%(submitted)s of %(total)s school organisers have submitted.")
                % {"submitted": counts["submitted"], "total": counts["total"]},
                _(
                    "Not submitted: %(organisers)s. When the round is closed they can no longer "
                    "change or submit their answers."
                )
                % {"organisers": _organisers(waiting)},
                _(
                    "You can reopen the round by giving it a new closing date, as long as its "
                    "figures have not been published."
                ),
            ],
            button=_("Close the round now"),
            action=reverse("readiness:round-close", args=[pk]),
            cancel=reverse("readiness:round-detail", args=[pk]),
        )
    return _round_action(
        request,
        pk,
        lambda r: services.round_close(reporting_round=r, actor=request.user),
        lambda r: (
            _("The round %(name)s is closed; %(organisers)s had not submitted.")
            % {"name": r.name, "organisers": _organisers(waiting)}
        ),
    )


@require_POST
@permission_required(MANAGE_ROUNDS)
def round_open(request, pk):
    return _round_action(
        request,
        pk,
        lambda r: services.round_open(reporting_round=r, actor=request.user),
        lambda r: (
            _("The round %(name)s is open from today, %(date)s.")
            % {"name": r.name, "date": date_format(r.opens_on, "DATE_FORMAT")}
        ),
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
            messages.success(
                request,
                _("The draft version %(name)s was made. Edit it, then publish it.")
                % {"name": copy.name},
            )
            return redirect("readiness:framework-detail", pk=copy.pk)
    else:
        messages.error(request, _("Give the new version a name."))
    return redirect("readiness:framework-detail", pk=pk)


@require_POST
@permission_required(MANAGE_ROUNDS)
def framework_publish(request, pk):
    """Publishing cannot be undone: the first POST says what it freezes, the confirmed one acts."""
    framework = get_object_or_404(FrameworkVersion, pk=pk)
    if framework.is_published:
        messages.error(
            request,
            _("A published framework version cannot be changed. Make a new version by copying it."),
        )
        return redirect("readiness:framework-detail", pk=pk)
    areas = framework.areas.count()
    indicators = framework.indicators.count()
    if indicators and request.POST.get("confirm") != "1":  # without any, the service refuses
        return _confirm(
            request,
            title=_("Publish %(name)s?") % {"name": framework.name},
            facts=[
                ngettext(
                    "The version has %(n)s indicator",
                    "The version has %(n)s indicators",
                    indicators,
                )
                % {"n": indicators}
                + " "
                + ngettext("in %(n)s area.", "in %(n)s areas.", areas) % {"n": areas},
                _(
                    "Once published it cannot be changed or unpublished; it can then be used in "
                    "new rounds. To change it later, make a new version by copying it."
                ),
            ],
            button=_("Publish the version"),
            action=reverse("readiness:framework-publish", args=[pk]),
            cancel=reverse("readiness:framework-detail", args=[pk]),
        )
    try:
        services.framework_publish(framework=framework, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The version %(name)s is published and can no longer be changed.")
            % {"name": framework.name},
        )
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
            messages.success(
                request, _("The indicator %(code)s was saved.") % {"code": indicator.code}
            )
            return redirect("readiness:framework-detail", pk=indicator.framework_id)
    return render(request, "readiness/indicator_form.html", {"form": form, "indicator": indicator})
