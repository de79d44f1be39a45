"""The Django admin for administrators. Saves here are recorded in the history too."""

from django.contrib import admin

from portal.audit import Action, record, record_change, snapshot

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


class AuditedAdmin(admin.ModelAdmin):
    """Record admin saves and deletions in the same audit trail as the portal's own forms."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if change:
            record_change(actor=request.user, subject=obj, before=before, note="admin")
        else:
            record(actor=request.user, subject=obj, action=Action.CREATED, note="admin")

    def delete_model(self, request, obj):
        record(actor=request.user, subject=obj, action=Action.DELETED, note="admin")
        super().delete_model(request, obj)


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


@admin.register(Agreement)
class AgreementAdmin(AuditedAdmin):
    list_display = ["title", "signed_on", "starts_on", "ends_on", "final_report_due", "status"]
    list_filter = ["status", "is_demo"]
    search_fields = ["title", "registration_number", "description"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["initiatives"]
    inlines = [FundingYearInline, CommitmentInline]


@admin.register(FundingYear)
class FundingYearAdmin(AuditedAdmin):
    list_display = ["agreement", "year", "allocated"]
    list_filter = ["year", "agreement"]
    search_fields = ["agreement__title", "year"]


@admin.register(Initiative)
class InitiativeAdmin(AuditedAdmin):
    list_display = ["number", "title", "status", "lead_actor"]
    list_filter = ["status"]
    search_fields = ["title", "purpose", "lead_actor"]


@admin.register(Commitment)
class CommitmentAdmin(AuditedAdmin):
    list_display = ["title", "agreement", "order"]
    list_filter = ["agreement"]
    search_fields = ["title", "text"]
    filter_horizontal = ["initiatives"]


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ["name", "website"]
    search_fields = ["name", "description"]


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["title", "agreement", "status", "responsible", "planned_start", "planned_end"]
    list_filter = ["status", "agreement", "initiatives", "archived_at"]
    search_fields = ["title", "description"]
    list_select_related = ["agreement", "responsible"]
    filter_horizontal = ["initiatives", "commitments", "partners"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [
        ActivityBudgetInline,
        MilestoneInline,
        DeliverableInline,
        CostInline,
        ProgressUpdateInline,
    ]


@admin.register(ActivityBudget)
class ActivityBudgetAdmin(AuditedAdmin):
    list_display = ["activity", "funding_year", "amount"]
    list_filter = ["funding_year__year"]
    search_fields = ["activity__title"]
    list_select_related = ["activity", "funding_year__agreement"]


@admin.register(Milestone)
class MilestoneAdmin(AuditedAdmin):
    list_display = ["title", "activity", "due_on", "completed_on"]
    list_filter = ["completed_on", "activity__agreement"]
    search_fields = ["title", "activity__title"]
    date_hierarchy = "due_on"
    list_select_related = ["activity"]


@admin.register(Deliverable)
class DeliverableAdmin(AuditedAdmin):
    list_display = ["title", "kind", "activity", "delivered_on", "participants"]
    list_filter = ["kind", "activity__agreement"]
    search_fields = ["title", "activity__title"]
    date_hierarchy = "delivered_on"
    raw_id_fields = ["principals"]
    list_select_related = ["activity"]


@admin.register(Cost)
class CostAdmin(AuditedAdmin):
    list_display = ["incurred_on", "activity", "category", "amount"]
    list_filter = ["category", "activity__agreement"]
    search_fields = ["note", "activity__title"]
    date_hierarchy = "incurred_on"
    list_select_related = ["activity"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AuditedAdmin):
    """Updates can be added but never changed or deleted: a correction is a new update."""

    list_display = ["activity", "reported_on", "rating", "author"]
    list_filter = ["rating", "activity__agreement"]
    search_fields = ["activity__title", "done", "next_steps", "risks"]
    date_hierarchy = "reported_on"
    list_select_related = ["activity", "author"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
