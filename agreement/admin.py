"""The Django admin for administrators: every write goes through the programme's services,
which validate it and record it in the history exactly as the portal's own forms do."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_history import HistoryAdmin, adopt, current_m2m, form_values, seen_version

from . import services
from .models import (
    Activity,
    ActivityBudget,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
    ProgressUpdate,
)


class FundingYearInline(admin.TabularInline):
    model = FundingYear
    extra = 0


class CommitmentInline(admin.StackedInline):
    model = Commitment
    extra = 0
    filter_horizontal = ["initiatives"]


class ActivityBudgetInline(admin.TabularInline):
    model = ActivityBudget
    extra = 0
    autocomplete_fields = ["funding_year"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "completed_on"]


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    fields = ["kind", "title", "delivered_on", "participants"]
    show_change_link = True


class CostInline(admin.TabularInline):
    model = Cost
    extra = 0
    fields = ["incurred_on", "amount", "category", "note"]


class ProgressUpdateInline(admin.TabularInline):
    """Read-only: a progress update is never changed once saved."""

    model = ProgressUpdate
    extra = 0
    fields = ["reported_on", "rating", "done", "author"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _without(fields: dict, *names: str) -> dict:
    return {k: v for k, v in fields.items() if k not in names}


class AgreementStatusFilter(admin.SimpleListFilter):
    """The status is derived, so the filter asks the same questions the model does."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Agreement.Status.choices

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == Agreement.Status.ACTIVE:
            return queryset.active_on(today)
        if value == Agreement.Status.ENDED:
            return queryset.ended_on(today)
        if value == Agreement.Status.REPORTED:
            return queryset.reported()
        return queryset


@admin.register(Agreement)
class AgreementAdmin(HistoryAdmin):
    list_display = [
        "title",
        "signed_on",
        "starts_on",
        "ends_on",
        "final_report_due",
        "status_display",
        "reported_on",
    ]
    list_filter = [AgreementStatusFilter, "is_demo"]
    readonly_fields = ["status_display", "reported_on"]
    search_fields = ["title", "registration_number", "description"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["initiatives"]
    inlines = [FundingYearInline, CommitmentInline]

    @admin.display(description=_("status"))
    def status_display(self, obj: Agreement) -> str:
        return obj.get_status_display() if obj.pk else "–"

    def history_create(self, *, request, obj, form):
        fields, m2m = form_values(form)
        created = services.agreement_create(
            actor=request.user, fields=fields, initiatives=m2m.get("initiatives", ())
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, m2m = form_values(form)
        services.agreement_update(
            actor=request.user,
            agreement=obj,
            fields=fields,
            **current_m2m(obj, m2m, "initiatives"),
        )

    def history_delete(self, *, request, obj):
        services.agreement_delete(actor=request.user, agreement=obj)


@admin.register(FundingYear)
class FundingYearAdmin(HistoryAdmin):
    list_display = ["agreement", "year", "allocated"]
    list_filter = ["year", "agreement"]
    search_fields = ["agreement__title", "year"]

    def get_readonly_fields(self, request, obj=None):
        # The services move a funding year within its agreement, never to another one.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "agreement"] if obj is not None else readonly

    def history_create(self, *, request, obj, form):
        created = services.funding_year_create(
            actor=request.user, agreement=obj.agreement, year=obj.year, allocated=obj.allocated
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        services.funding_year_update(
            actor=request.user, funding_year=obj, year=obj.year, allocated=obj.allocated
        )

    def history_delete(self, *, request, obj):
        services.funding_year_delete(actor=request.user, funding_year=obj)


@admin.register(Initiative)
class InitiativeAdmin(HistoryAdmin):
    """Deleting has no service (the portal never deletes an initiative); the default records it."""

    list_display = ["number", "title", "status", "lead_actor"]
    list_filter = ["status"]
    search_fields = ["title", "purpose", "lead_actor"]

    def history_create(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        adopt(obj, services.initiative_create(actor=request.user, fields=fields))

    def history_update(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        services.initiative_update(actor=request.user, initiative=obj, fields=fields)


@admin.register(Commitment)
class CommitmentAdmin(HistoryAdmin):
    list_display = ["title", "agreement", "order"]
    list_filter = ["agreement"]
    search_fields = ["title", "text"]
    filter_horizontal = ["initiatives"]

    def history_create(self, *, request, obj, form):
        fields, m2m = form_values(form)
        created = services.commitment_create(
            actor=request.user,
            agreement=obj.agreement,
            fields=_without(fields, "agreement"),
            initiatives=m2m.get("initiatives", ()),
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, m2m = form_values(form)
        services.commitment_update(
            actor=request.user,
            commitment=obj,
            fields=fields,
            **current_m2m(obj, m2m, "initiatives"),
        )

    def history_delete(self, *, request, obj):
        services.commitment_delete(actor=request.user, commitment=obj)


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    list_display = ["name", "website"]
    search_fields = ["name", "description"]

    def history_create(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        adopt(obj, services.partner_create(actor=request.user, fields=fields))

    def history_update(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        services.partner_update(actor=request.user, partner=obj, fields=fields)

    def history_delete(self, *, request, obj):
        services.partner_delete(actor=request.user, partner=obj)


ACTIVITY_M2M = ("initiatives", "commitments", "partners")


@admin.register(Activity)
class ActivityAdmin(HistoryAdmin):
    """Archiving has its own event, so it is an action here rather than an editable date."""

    list_display = ["title", "agreement", "status", "responsible", "planned_start", "planned_end"]
    list_filter = ["status", "agreement", "initiatives", "archived_at"]
    search_fields = ["title", "description"]
    list_select_related = ["agreement", "responsible"]
    filter_horizontal = ["initiatives", "commitments", "partners"]
    readonly_fields = ["archived_at", "version", "created_at", "updated_at"]
    actions = ["archive", "restore"]
    inlines = [
        ActivityBudgetInline,
        MilestoneInline,
        DeliverableInline,
        CostInline,
        ProgressUpdateInline,
    ]

    def get_readonly_fields(self, request, obj=None):
        # Budgets belong to the agreement's funding years, so an activity stays where it is.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "agreement"] if obj is not None else readonly

    def history_create(self, *, request, obj, form):
        fields, m2m = form_values(form)
        created = services.activity_create(
            actor=request.user,
            agreement=obj.agreement,
            fields=_without(fields, "agreement"),
            **{name: m2m.get(name, ()) for name in ACTIVITY_M2M},
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, m2m = form_values(form)
        services.activity_update(
            actor=request.user,
            activity=obj,
            seen_version=seen_version(form, obj),
            fields=fields,
            **current_m2m(obj, m2m, *ACTIVITY_M2M),
        )

    def history_delete(self, *, request, obj):
        services.activity_delete(actor=request.user, activity=obj)

    @admin.action(description=_("Archive the selected activities"), permissions=["change"])
    def archive(self, request, queryset):
        for activity in queryset:
            services.activity_archive(actor=request.user, activity=activity)
        self.message_user(request, gettext("The activities were archived."), messages.SUCCESS)

    @admin.action(description=_("Restore the selected activities"), permissions=["change"])
    def restore(self, request, queryset):
        for activity in queryset:
            services.activity_restore(actor=request.user, activity=activity)
        self.message_user(request, gettext("The activities were restored."), messages.SUCCESS)


@admin.register(ActivityBudget)
class ActivityBudgetAdmin(HistoryAdmin):
    """A budget is part of its activity: saved by activity_update, which checks the year's
    allocation and records the change on the activity, as the activity form does."""

    list_display = ["activity", "funding_year", "amount"]
    list_filter = ["funding_year__year"]
    search_fields = ["activity__title"]
    list_select_related = ["activity", "funding_year__agreement"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "activity"] if obj is not None else readonly

    def _save_budgets(self, *, request, activity: Activity, budgets: dict) -> None:
        activity = Activity.objects.get(pk=activity.pk)
        services.activity_update(
            actor=request.user,
            activity=activity,
            seen_version=activity.version,
            fields={},
            **current_m2m(activity, {}, *ACTIVITY_M2M),
            budgets=budgets,
        )

    def _check_year(self, budget: ActivityBudget) -> None:
        if budget.funding_year.agreement_id != budget.activity.agreement_id:
            raise ValidationError(
                {"funding_year": gettext("The funding year belongs to another agreement.")}
            )

    def history_create(self, *, request, obj, form):
        self._check_year(obj)
        self._save_budgets(
            request=request, activity=obj.activity, budgets={obj.funding_year.year: obj.amount}
        )
        adopt(obj, ActivityBudget.objects.get(activity=obj.activity, funding_year=obj.funding_year))

    def history_update(self, *, request, obj, form):
        self._check_year(obj)
        stored = ActivityBudget.objects.select_related("funding_year").get(pk=obj.pk)
        budgets = {stored.funding_year.year: None, obj.funding_year.year: obj.amount}
        self._save_budgets(request=request, activity=obj.activity, budgets=budgets)
        saved = ActivityBudget.objects.filter(activity=obj.activity, funding_year=obj.funding_year)
        if saved.exists():
            adopt(obj, saved.get())

    def history_delete(self, *, request, obj):
        self._save_budgets(
            request=request, activity=obj.activity, budgets={obj.funding_year.year: None}
        )


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    list_display = ["title", "activity", "due_on", "completed_on"]
    list_filter = ["completed_on", "activity__agreement"]
    search_fields = ["title", "activity__title"]
    date_hierarchy = "due_on"
    list_select_related = ["activity"]

    def history_create(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        created = services.milestone_create(
            actor=request.user, activity=obj.activity, fields=_without(fields, "activity")
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        services.milestone_update(actor=request.user, milestone=obj, fields=fields)

    def history_delete(self, *, request, obj):
        services.milestone_delete(actor=request.user, milestone=obj)


@admin.register(Deliverable)
class DeliverableAdmin(HistoryAdmin):
    list_display = ["title", "kind", "activity", "delivered_on", "participants"]
    list_filter = ["kind", "activity__agreement"]
    search_fields = ["title", "activity__title"]
    date_hierarchy = "delivered_on"
    raw_id_fields = ["principals"]
    list_select_related = ["activity"]

    def history_create(self, *, request, obj, form):
        fields, m2m = form_values(form)
        created = services.deliverable_create(
            actor=request.user,
            activity=obj.activity,
            fields=_without(fields, "activity"),
            principals=m2m.get("principals", ()),
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, m2m = form_values(form)
        services.deliverable_update(
            actor=request.user,
            deliverable=obj,
            fields=fields,
            **current_m2m(obj, m2m, "principals"),
        )

    def history_delete(self, *, request, obj):
        services.deliverable_delete(actor=request.user, deliverable=obj)


@admin.register(Cost)
class CostAdmin(HistoryAdmin):
    list_display = ["incurred_on", "activity", "category", "amount"]
    list_filter = ["category", "activity__agreement"]
    search_fields = ["note", "activity__title"]
    date_hierarchy = "incurred_on"
    list_select_related = ["activity"]

    def history_create(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        created = services.cost_create(
            actor=request.user, activity=obj.activity, fields=_without(fields, "activity")
        )
        adopt(obj, created)

    def history_update(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        services.cost_update(actor=request.user, cost=obj, fields=fields)

    def history_delete(self, *, request, obj):
        services.cost_delete(actor=request.user, cost=obj)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HistoryAdmin):
    """Updates can be added but never changed or deleted: a correction is a new update.
    The author is whoever writes it, as in the portal."""

    list_display = ["activity", "reported_on", "rating", "author"]
    list_filter = ["rating", "activity__agreement"]
    search_fields = ["activity__title", "done", "next_steps", "risks"]
    date_hierarchy = "reported_on"
    list_select_related = ["activity", "author"]
    readonly_fields = ["author"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_create(self, *, request, obj, form):
        fields, _m2m = form_values(form)
        created = services.progress_update_create(
            actor=request.user, activity=obj.activity, fields=_without(fields, "activity")
        )
        adopt(obj, created)
