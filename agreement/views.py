"""Programme pages. Staff (change_programme) write; Government viewers (view_programme) read."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.concurrency import EditConflict
from portal.permissions import CHANGE_PROGRAMME, VIEW_PROGRAMME, permission_required

from . import selectors, services
from .forms import (
    ActivityFilter,
    ActivityForm,
    AgreementForm,
    CommitmentForm,
    CostForm,
    DeliverableForm,
    FundingYearForm,
    InitiativeForm,
    MilestoneForm,
    PartnerForm,
    ProgressUpdateForm,
)
from .models import (
    Activity,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
)

ACTIVITIES_PER_PAGE = 50


def _can_edit(request) -> bool:
    return request.user.has_perm(CHANGE_PROGRAMME)


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on the field it names, otherwise at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target if name != NON_FIELD_ERRORS else None, error)


def _form_page(
    request,
    *,
    form,
    save,
    title: str,
    crumbs: list,
    cancel_url: str,
    obj=None,
    delete_url: str | None = None,
    intro: str = "",
    template: str = "agreement/object_form.html",
    extra: dict | None = None,
):
    """Show the form; on a valid POST call `save(form)`, which returns the URL to go to."""
    if request.method == "POST" and form.is_valid():
        try:
            url = save(form)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect(url)
    context = {
        "form": form,
        "title": title,
        "crumbs": crumbs,
        "cancel_url": cancel_url,
        "object": obj,
        "delete_url": delete_url,
        "intro": intro,
        **(extra or {}),
    }
    return render(request, template, context)


def _delete_page(
    request, *, obj, blockers, delete, title: str, crumbs, cancel_url, done_url, archive_url=None
):
    """Confirm, then delete through the service; a refusal explains what to do instead."""
    if request.method == "POST" and not blockers:
        try:
            delete()
        except ValidationError as exc:
            blockers = exc.messages
        else:
            messages.success(request, _("%(name)s has been deleted.") % {"name": obj})
            return redirect(done_url)
    return render(
        request,
        "agreement/object_confirm_delete.html",
        {
            "object": obj,
            "title": title,
            "crumbs": crumbs,
            "cancel_url": cancel_url,
            "blockers": blockers,
            "archive_url": archive_url,
        },
        status=409 if request.method == "POST" and blockers else 200,
    )


def _agreement_crumbs(agreement: Agreement | None = None) -> list:
    crumbs = [(reverse("agreement:agreement-list"), _("Agreements"))]
    if agreement is not None:
        crumbs.append((agreement.get_absolute_url(), str(agreement)))
    return crumbs


def _activity_crumbs(activity: Activity) -> list:
    return [
        *_agreement_crumbs(activity.agreement),
        (activity.get_absolute_url(), str(activity)),
    ]


# ---- agreements ------------------------------------------------------------------------------


@permission_required(VIEW_PROGRAMME)
def agreement_list(request):
    agreements = selectors.agreements_with_totals().order_by("-starts_on", "title")
    return render(
        request,
        "agreement/agreement_list.html",
        {"agreements": agreements, "can_edit": _can_edit(request)},
    )


@permission_required(VIEW_PROGRAMME)
def agreement_detail(request, pk):
    agreement = get_object_or_404(Agreement, pk=pk)
    return render(
        request,
        "agreement/agreement_detail.html",
        {
            "agreement": agreement,
            "overview": selectors.agreement_overview(agreement),
            "can_edit": _can_edit(request),
        },
    )


@permission_required(CHANGE_PROGRAMME)
def agreement_create(request):
    form = AgreementForm(request.POST or None)

    def save(form):
        agreement = services.agreement_create(
            actor=request.user, fields=form.fields_data(), **form.m2m_data()
        )
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New agreement"),
        crumbs=_agreement_crumbs(),
        cancel_url=reverse("agreement:agreement-list"),
    )


@permission_required(CHANGE_PROGRAMME)
def agreement_update(request, pk):
    agreement = get_object_or_404(Agreement, pk=pk)
    form = AgreementForm(request.POST or None, instance=agreement)

    def save(form):
        services.agreement_update(
            actor=request.user, agreement=agreement, fields=form.fields_data(), **form.m2m_data()
        )
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Change agreement"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
        obj=agreement,
        delete_url=reverse("agreement:agreement-delete", args=[agreement.pk]),
    )


@permission_required(CHANGE_PROGRAMME)
def agreement_delete(request, pk):
    agreement = get_object_or_404(Agreement, pk=pk)
    return _delete_page(
        request,
        obj=agreement,
        blockers=services.agreement_delete_blockers(agreement),
        delete=lambda: services.agreement_delete(actor=request.user, agreement=agreement),
        title=_("Delete agreement"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
        done_url=reverse("agreement:agreement-list"),
    )


# ---- funding years and commitments ----------------------------------------------------


@permission_required(CHANGE_PROGRAMME)
def funding_year_create(request, agreement_pk):
    agreement = get_object_or_404(Agreement, pk=agreement_pk)
    form = FundingYearForm(request.POST or None)

    def save(form):
        services.funding_year_create(actor=request.user, agreement=agreement, **form.fields_data())
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New funding year"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
    )


@permission_required(CHANGE_PROGRAMME)
def funding_year_update(request, pk):
    funding_year = get_object_or_404(FundingYear.objects.select_related("agreement"), pk=pk)
    agreement = funding_year.agreement
    form = FundingYearForm(request.POST or None, instance=funding_year)

    def save(form):
        services.funding_year_update(
            actor=request.user, funding_year=funding_year, **form.fields_data()
        )
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Change funding year %(year)s") % {"year": funding_year.year},
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
        obj=funding_year,
        delete_url=reverse("agreement:fundingyear-delete", args=[funding_year.pk]),
    )


@permission_required(CHANGE_PROGRAMME)
def funding_year_delete(request, pk):
    funding_year = get_object_or_404(FundingYear.objects.select_related("agreement"), pk=pk)
    return _delete_page(
        request,
        obj=funding_year,
        blockers=services.funding_year_delete_blockers(funding_year),
        delete=lambda: services.funding_year_delete(actor=request.user, funding_year=funding_year),
        title=_("Delete funding year"),
        crumbs=_agreement_crumbs(funding_year.agreement),
        cancel_url=funding_year.get_absolute_url(),
        done_url=funding_year.agreement.get_absolute_url(),
    )


@permission_required(CHANGE_PROGRAMME)
def commitment_create(request, agreement_pk):
    agreement = get_object_or_404(Agreement, pk=agreement_pk)
    form = CommitmentForm(request.POST or None)

    def save(form):
        services.commitment_create(
            actor=request.user, agreement=agreement, fields=form.fields_data(), **form.m2m_data()
        )
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New commitment"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
    )


@permission_required(CHANGE_PROGRAMME)
def commitment_update(request, pk):
    commitment = get_object_or_404(Commitment.objects.select_related("agreement"), pk=pk)
    agreement = commitment.agreement
    form = CommitmentForm(request.POST or None, instance=commitment)

    def save(form):
        services.commitment_update(
            actor=request.user, commitment=commitment, fields=form.fields_data(), **form.m2m_data()
        )
        return agreement.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Change commitment"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
        obj=commitment,
        delete_url=reverse("agreement:commitment-delete", args=[commitment.pk]),
    )


@permission_required(CHANGE_PROGRAMME)
def commitment_delete(request, pk):
    commitment = get_object_or_404(Commitment.objects.select_related("agreement"), pk=pk)
    return _delete_page(
        request,
        obj=commitment,
        blockers=[],
        delete=lambda: services.commitment_delete(actor=request.user, commitment=commitment),
        title=_("Delete commitment"),
        crumbs=_agreement_crumbs(commitment.agreement),
        cancel_url=commitment.get_absolute_url(),
        done_url=commitment.agreement.get_absolute_url(),
    )


# ---- initiatives and partners --------------------------------------------------------------


@permission_required(VIEW_PROGRAMME)
def initiative_list(request):
    return render(
        request,
        "agreement/initiative_list.html",
        {"initiatives": selectors.initiatives_with_totals(), "can_edit": _can_edit(request)},
    )


@permission_required(VIEW_PROGRAMME)
def initiative_detail(request, pk):
    initiative = get_object_or_404(Initiative, pk=pk)
    activities = selectors.activity_list().filter(initiatives=initiative, archived_at__isnull=True)
    return render(
        request,
        "agreement/initiative_detail.html",
        {
            "initiative": initiative,
            "activities": activities,
            "agreements": initiative.agreements.all(),
            "commitments": initiative.commitments.select_related("agreement"),
            "can_edit": _can_edit(request),
        },
    )


@permission_required(CHANGE_PROGRAMME)
def initiative_create(request):
    form = InitiativeForm(request.POST or None)

    def save(form):
        return services.initiative_create(
            actor=request.user, fields=form.fields_data()
        ).get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New initiative"),
        crumbs=[(reverse("agreement:initiative-list"), _("Initiatives"))],
        cancel_url=reverse("agreement:initiative-list"),
    )


@permission_required(CHANGE_PROGRAMME)
def initiative_update(request, pk):
    initiative = get_object_or_404(Initiative, pk=pk)
    form = InitiativeForm(request.POST or None, instance=initiative)

    def save(form):
        services.initiative_update(
            actor=request.user, initiative=initiative, fields=form.fields_data()
        )
        return initiative.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Change initiative"),
        crumbs=[
            (reverse("agreement:initiative-list"), _("Initiatives")),
            (initiative.get_absolute_url(), str(initiative)),
        ],
        cancel_url=initiative.get_absolute_url(),
    )


@permission_required(VIEW_PROGRAMME)
def partner_list(request):
    return render(
        request,
        "agreement/partner_list.html",
        {"partners": selectors.partners_with_counts(), "can_edit": _can_edit(request)},
    )


@permission_required(VIEW_PROGRAMME)
def partner_detail(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    return render(
        request,
        "agreement/partner_detail.html",
        {
            "partner": partner,
            "activities": selectors.activity_list().filter(
                partners=partner, archived_at__isnull=True
            ),
            "can_edit": _can_edit(request),
        },
    )


@permission_required(CHANGE_PROGRAMME)
def partner_create(request):
    form = PartnerForm(request.POST or None)

    def save(form):
        return services.partner_create(
            actor=request.user, fields=form.fields_data()
        ).get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("New partner"),
        crumbs=[(reverse("agreement:partner-list"), _("Partners"))],
        cancel_url=reverse("agreement:partner-list"),
    )


@permission_required(CHANGE_PROGRAMME)
def partner_update(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    form = PartnerForm(request.POST or None, instance=partner)

    def save(form):
        services.partner_update(actor=request.user, partner=partner, fields=form.fields_data())
        return partner.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=_("Change partner"),
        crumbs=[
            (reverse("agreement:partner-list"), _("Partners")),
            (partner.get_absolute_url(), str(partner)),
        ],
        cancel_url=partner.get_absolute_url(),
        delete_url=reverse("agreement:partner-delete", args=[partner.pk]),
    )


@permission_required(CHANGE_PROGRAMME)
def partner_delete(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    return _delete_page(
        request,
        obj=partner,
        blockers=[],
        delete=lambda: services.partner_delete(actor=request.user, partner=partner),
        title=_("Delete partner"),
        crumbs=[(reverse("agreement:partner-list"), _("Partners"))],
        cancel_url=partner.get_absolute_url(),
        done_url=reverse("agreement:partner-list"),
    )


# ---- activities ------------------------------------------------------------------------------


@permission_required(VIEW_PROGRAMME)
def activity_list(request):
    activity_filter = ActivityFilter(request.GET, queryset=selectors.activity_list())
    page = Paginator(activity_filter.qs, ACTIVITIES_PER_PAGE).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "agreement/activity_list.html",
        {
            "filter": activity_filter,
            "page": page,
            "query": query.urlencode(),
            "today": selectors.datetime.date.today(),
            "can_edit": _can_edit(request),
            "agreements": Agreement.objects.active_on(timezone.localdate())
            if _can_edit(request)
            else [],
        },
    )


@permission_required(VIEW_PROGRAMME)
def activity_detail(request, pk):
    activity = get_object_or_404(
        Activity.objects.select_related("agreement", "responsible").prefetch_related(
            "initiatives", "commitments", "partners"
        ),
        pk=pk,
    )
    return render(
        request,
        "agreement/activity_detail.html",
        {
            "activity": activity,
            "can_edit": _can_edit(request),
            "delete_blockers": services.activity_delete_blockers(activity),
            **selectors.activity_detail(activity),
        },
    )


def _activity_save(request, form, *, agreement=None, activity=None):
    kwargs = {
        "actor": request.user,
        "fields": form.fields_data(),
        "budgets": form.budgets(),
        **form.m2m_data(),
    }
    if activity is None:
        return services.activity_create(agreement=agreement, **kwargs).get_absolute_url()
    services.activity_update(activity=activity, seen_version=form.cleaned_data["version"], **kwargs)
    return activity.get_absolute_url()


@permission_required(CHANGE_PROGRAMME)
def activity_create(request, agreement_pk):
    agreement = get_object_or_404(Agreement, pk=agreement_pk)
    form = ActivityForm(request.POST or None, agreement=agreement)
    return _form_page(
        request,
        form=form,
        save=lambda form: _activity_save(request, form, agreement=agreement),
        title=_("New activity"),
        crumbs=_agreement_crumbs(agreement),
        cancel_url=agreement.get_absolute_url(),
        template="agreement/activity_form.html",
        extra={"agreement": agreement},
    )


@permission_required(CHANGE_PROGRAMME)
def activity_update(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("agreement"), pk=pk)
    form = ActivityForm(request.POST or None, instance=activity, agreement=activity.agreement)
    form.fields["version"].required = True
    context = {
        "request": request,
        "form": form,
        "save": lambda form: _activity_save(request, form, activity=activity),
        "title": _("Change activity"),
        "crumbs": _activity_crumbs(activity),
        "cancel_url": activity.get_absolute_url(),
        "obj": activity,
        "delete_url": reverse("agreement:activity-delete", args=[activity.pk]),
        "template": "agreement/activity_form.html",
    }
    try:
        return _form_page(**context, extra={"agreement": activity.agreement})
    except EditConflict as conflict:
        seen = form.cleaned_data["version"]
        current = conflict.current
        data = request.POST.copy()
        data["version"] = str(current.version)
        form = ActivityForm(data, instance=current, agreement=current.agreement)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Someone else saved this activity after you opened it. Nothing of yours has "
                "been saved. Their changes are shown below; check your entries and save again "
                "to keep yours."
            ),
        )
        return render(
            request,
            "agreement/activity_form.html",
            {
                "form": form,
                "title": context["title"],
                "crumbs": context["crumbs"],
                "cancel_url": context["cancel_url"],
                "object": current,
                "agreement": current.agreement,
                "conflict": selectors.activity_changes_since(current, seen),
            },
            status=409,
        )


@permission_required(CHANGE_PROGRAMME)
def activity_delete(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("agreement"), pk=pk)
    return _delete_page(
        request,
        obj=activity,
        blockers=services.activity_delete_blockers(activity),
        delete=lambda: services.activity_delete(actor=request.user, activity=activity),
        title=_("Delete activity"),
        crumbs=_activity_crumbs(activity),
        cancel_url=activity.get_absolute_url(),
        done_url=activity.agreement.get_absolute_url(),
        archive_url=None
        if activity.archived_at
        else reverse("agreement:activity-archive", args=[activity.pk]),
    )


@require_POST
@permission_required(CHANGE_PROGRAMME)
def activity_archive(request, pk):
    activity = get_object_or_404(Activity, pk=pk)
    if request.POST.get("restore"):
        services.activity_restore(actor=request.user, activity=activity)
        messages.success(request, _("The activity has been restored."))
    else:
        services.activity_archive(actor=request.user, activity=activity)
        messages.success(request, _("The activity has been archived."))
    return redirect(activity.get_absolute_url())


# ---- milestones, deliverables, costs, progress updates --------------------------------


def _child_create(request, activity_pk, *, form_class, service, title):
    activity = get_object_or_404(Activity.objects.select_related("agreement"), pk=activity_pk)
    form = form_class(request.POST or None)

    def save(form):
        service(actor=request.user, activity=activity, fields=form.fields_data(), **form.m2m_data())
        return activity.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=title,
        crumbs=_activity_crumbs(activity),
        cancel_url=activity.get_absolute_url(),
        extra={"activity": activity},
    )


def _child_update(request, obj, *, form_class, service, name, title):
    activity = obj.activity
    form = form_class(request.POST or None, instance=obj)

    def save(form):
        service(actor=request.user, fields=form.fields_data(), **{name: obj}, **form.m2m_data())
        return activity.get_absolute_url()

    return _form_page(
        request,
        form=form,
        save=save,
        title=title,
        crumbs=_activity_crumbs(activity),
        cancel_url=activity.get_absolute_url(),
        obj=obj,
        delete_url=reverse(f"agreement:{name}-delete", args=[obj.pk]),
        extra={"activity": activity},
    )


def _child_delete(request, obj, *, service, name, title):
    activity = obj.activity
    return _delete_page(
        request,
        obj=obj,
        blockers=[],
        delete=lambda: service(actor=request.user, **{name: obj}),
        title=title,
        crumbs=_activity_crumbs(activity),
        cancel_url=activity.get_absolute_url(),
        done_url=activity.get_absolute_url(),
    )


def _child(model, pk):
    return get_object_or_404(model.objects.select_related("activity__agreement"), pk=pk)


@permission_required(CHANGE_PROGRAMME)
def milestone_create(request, activity_pk):
    return _child_create(
        request,
        activity_pk,
        form_class=MilestoneForm,
        service=services.milestone_create,
        title=_("New milestone"),
    )


@permission_required(CHANGE_PROGRAMME)
def milestone_update(request, pk):
    return _child_update(
        request,
        _child(Milestone, pk),
        form_class=MilestoneForm,
        service=services.milestone_update,
        name="milestone",
        title=_("Change milestone"),
    )


@permission_required(CHANGE_PROGRAMME)
def milestone_delete(request, pk):
    return _child_delete(
        request,
        _child(Milestone, pk),
        service=services.milestone_delete,
        name="milestone",
        title=_("Delete milestone"),
    )


@permission_required(CHANGE_PROGRAMME)
def deliverable_create(request, activity_pk):
    return _child_create(
        request,
        activity_pk,
        form_class=DeliverableForm,
        service=services.deliverable_create,
        title=_("New deliverable"),
    )


@permission_required(CHANGE_PROGRAMME)
def deliverable_update(request, pk):
    return _child_update(
        request,
        _child(Deliverable, pk),
        form_class=DeliverableForm,
        service=services.deliverable_update,
        name="deliverable",
        title=_("Change deliverable"),
    )


@permission_required(CHANGE_PROGRAMME)
def deliverable_delete(request, pk):
    return _child_delete(
        request,
        _child(Deliverable, pk),
        service=services.deliverable_delete,
        name="deliverable",
        title=_("Delete deliverable"),
    )


@permission_required(CHANGE_PROGRAMME)
def cost_create(request, activity_pk):
    return _child_create(
        request,
        activity_pk,
        form_class=CostForm,
        service=services.cost_create,
        title=_("New cost"),
    )


@permission_required(CHANGE_PROGRAMME)
def cost_update(request, pk):
    return _child_update(
        request,
        _child(Cost, pk),
        form_class=CostForm,
        service=services.cost_update,
        name="cost",
        title=_("Change cost"),
    )


@permission_required(CHANGE_PROGRAMME)
def cost_delete(request, pk):
    return _child_delete(
        request,
        _child(Cost, pk),
        service=services.cost_delete,
        name="cost",
        title=_("Delete cost"),
    )


@permission_required(CHANGE_PROGRAMME)
def progress_update_create(request, activity_pk):
    return _child_create(
        request,
        activity_pk,
        form_class=ProgressUpdateForm,
        service=services.progress_update_create,
        title=_("New progress update"),
    )
