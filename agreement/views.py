"""Programme pages. Staff (change_programme) write; Government viewers (view_programme) read.

Records that are only a form and a service call are described here as `Editing`s and get
their create, change and delete views from agreement/editing.py; urls.py wires them.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.concurrency import EditConflict
from portal.permissions import CHANGE_PROGRAMME, VIEW_PROGRAMME, permission_required

from . import selectors, services
from .editing import Editing, Parent, delete_page, form_page
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
from .models import Activity, Agreement, Initiative, Partner

ACTIVITIES_PER_PAGE = 50


def _can_edit(request) -> bool:
    return request.user.has_perm(CHANGE_PROGRAMME)


# ---- agreements ------------------------------------------------------------------------------

AGREEMENT = Editing(
    AgreementForm,
    listing=("agreement:agreement-list", gettext_lazy("Agreements")),
    create=services.agreement_create,
    update=services.agreement_update,
    delete=services.agreement_delete,
    blockers=services.agreement_delete_blockers,
    new_title=gettext_lazy("New agreement"),
    change_title=gettext_lazy("Change agreement"),
    delete_title=gettext_lazy("Delete agreement"),
)


def _activity_crumbs(activity: Activity) -> list:
    return [*AGREEMENT.trail(activity.agreement), (activity.get_absolute_url(), str(activity))]


AGREEMENT_PAGE = Parent(Agreement, crumbs=AGREEMENT.trail)
ACTIVITY_PAGE = Parent(
    Activity, crumbs=_activity_crumbs, select="agreement", delete_cancels_here=True
)


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


# ---- funding years and commitments ----------------------------------------------------

FUNDING_YEAR = Editing(
    FundingYearForm,
    parent=AGREEMENT_PAGE,
    create=services.funding_year_create,
    update=services.funding_year_update,
    delete=services.funding_year_delete,
    blockers=services.funding_year_delete_blockers,
    fields_as_keywords=True,
    new_title=gettext_lazy("New funding year"),
    change_title=gettext_lazy("Change funding year %(year)s"),
    delete_title=gettext_lazy("Delete funding year"),
)
COMMITMENT = Editing(
    CommitmentForm,
    parent=AGREEMENT_PAGE,
    create=services.commitment_create,
    update=services.commitment_update,
    delete=services.commitment_delete,
    new_title=gettext_lazy("New commitment"),
    change_title=gettext_lazy("Change commitment"),
    delete_title=gettext_lazy("Delete commitment"),
)


# ---- initiatives and partners --------------------------------------------------------------

# Their change pages have never shown the history, and a partner's delete page has never
# named the partner in its crumbs; kept so.
INITIATIVE = Editing(
    InitiativeForm,
    listing=("agreement:initiative-list", gettext_lazy("Initiatives")),
    create=services.initiative_create,
    update=services.initiative_update,
    history=False,
    new_title=gettext_lazy("New initiative"),
    change_title=gettext_lazy("Change initiative"),
)
PARTNER = Editing(
    PartnerForm,
    listing=("agreement:partner-list", gettext_lazy("Partners")),
    create=services.partner_create,
    update=services.partner_update,
    delete=services.partner_delete,
    history=False,
    delete_crumb=False,
    new_title=gettext_lazy("New partner"),
    change_title=gettext_lazy("Change partner"),
    delete_title=gettext_lazy("Delete partner"),
)


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
    return form_page(
        request,
        form=form,
        save=lambda form: _activity_save(request, form, agreement=agreement),
        title=_("New activity"),
        crumbs=AGREEMENT.trail(agreement),
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
        return form_page(**context, extra={"agreement": activity.agreement})
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
    return delete_page(
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

MILESTONE = Editing(
    MilestoneForm,
    parent=ACTIVITY_PAGE,
    create=services.milestone_create,
    update=services.milestone_update,
    delete=services.milestone_delete,
    new_title=gettext_lazy("New milestone"),
    change_title=gettext_lazy("Change milestone"),
    delete_title=gettext_lazy("Delete milestone"),
)
DELIVERABLE = Editing(
    DeliverableForm,
    parent=ACTIVITY_PAGE,
    create=services.deliverable_create,
    update=services.deliverable_update,
    delete=services.deliverable_delete,
    new_title=gettext_lazy("New deliverable"),
    change_title=gettext_lazy("Change deliverable"),
    delete_title=gettext_lazy("Delete deliverable"),
)
COST = Editing(
    CostForm,
    parent=ACTIVITY_PAGE,
    create=services.cost_create,
    update=services.cost_update,
    delete=services.cost_delete,
    new_title=gettext_lazy("New cost"),
    change_title=gettext_lazy("Change cost"),
    delete_title=gettext_lazy("Delete cost"),
)
PROGRESS_UPDATE = Editing(
    ProgressUpdateForm,
    parent=ACTIVITY_PAGE,
    create=services.progress_update_create,
    new_title=gettext_lazy("New progress update"),
)
