"""Admin: published framework versions and their indicators are read-only; answers never edited."""

from django.contrib import admin

from .models import (
    Area,
    Assessment,
    AssessmentVersion,
    FrameworkVersion,
    Indicator,
    Reminder,
    ReportingRound,
)


class DraftOnlyMixin:
    """Changes only while the framework version is a draft."""

    def framework_of(self, obj):
        return obj.framework if obj is not None else None

    def has_change_permission(self, request, obj=None):
        framework = self.framework_of(obj)
        if framework is not None and framework.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        framework = self.framework_of(obj)
        if framework is not None and framework.is_published:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "status", "published_at", "created_at"]
    readonly_fields = ["status", "published_at", "based_on"]

    def framework_of(self, obj):
        return obj


@admin.register(Area)
class AreaAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "framework", "order"]
    list_filter = ["framework"]


@admin.register(Indicator)
class IndicatorAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "question", "answer_type", "required", "initiative", "framework"]
    list_filter = ["framework", "answer_type", "initiative"]
    search_fields = ["code", "question"]


@admin.register(ReportingRound)
class ReportingRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "opens_on", "closes_on", "framework_version", "closed_at"]

    def has_change_permission(self, request, obj=None):
        return False  # rounds change through the portal's services, which record events


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["principal", "round", "state", "updated_at"]
    list_filter = ["round", "state"]


@admin.register(AssessmentVersion)
class AssessmentVersionAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "number", "kind", "created_by_label", "created_at"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["round", "principal", "sent_at", "sent_by_label"]
