"""Admin: published framework versions and their indicators are read-only; answers never edited.

Drafts are edited here and recorded in the history; rounds are created through the same
service as in the portal and change only through the portal's open, extend and close.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, OuterRef, Subquery, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_history import HistoryAdmin, ReadOnlyAdmin, adopt, form_values

from . import services
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
    """Changes only while the framework version is a draft; new rows only in a draft."""

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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        drafts = FrameworkVersion.objects.exclude(status=FrameworkVersion.Status.PUBLISHED)
        if db_field.name == "framework":
            kwargs["queryset"] = drafts
        elif db_field.name == "area":
            kwargs["queryset"] = Area.objects.filter(framework__in=drafts)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(DraftOnlyMixin, HistoryAdmin):
    """A version is published in the portal, which checks it first."""

    list_display = ["name", "status", "published_at", "created_at"]
    readonly_fields = ["status", "published_at", "based_on"]

    def framework_of(self, obj):
        return obj


@admin.register(Area)
class AreaAdmin(DraftOnlyMixin, HistoryAdmin):
    list_display = ["title", "framework", "order"]
    list_filter = ["framework"]


@admin.register(Indicator)
class IndicatorAdmin(DraftOnlyMixin, HistoryAdmin):
    list_display = ["code", "question", "answer_type", "required", "initiative", "framework"]
    list_filter = ["framework", "answer_type", "initiative"]
    search_fields = ["code", "question"]

    def _check_area(self, indicator: Indicator) -> None:
        if indicator.area.framework_id != indicator.framework_id:
            raise ValidationError(
                {"area": gettext("The area belongs to another framework version.")}
            )

    def history_create(self, *, request, obj, form):
        self._check_area(obj)
        super().history_create(request=request, obj=obj, form=form)

    def history_update(self, *, request, obj, form):
        self._check_area(obj)
        fields, _m2m = form_values(form)
        changed = {name: fields[name] for name in form.changed_data if name in fields}
        if set(changed) <= set(services.INDICATOR_EDITABLE):
            # What staff may change in a draft has a service; the rest is the admin's alone.
            services.indicator_update(indicator=obj, actor=request.user, **changed)
            return
        super().history_update(request=request, obj=obj, form=form)


@admin.register(ReportingRound)
class ReportingRoundAdmin(HistoryAdmin):
    """Created as in the portal; opened, extended and closed only there, each with its event.
    Rounds are never deleted: their assessments and published figures refer to them."""

    list_display = ["name", "opens_on", "closes_on", "framework_version", "closed_at"]
    fields = ["name", "opens_on", "closes_on", "framework_version", "closed_at", "published_at"]
    readonly_fields = ["closed_at", "published_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_create(self, *, request, obj, form):
        created = services.round_create(
            name=obj.name,
            opens_on=obj.opens_on,
            closes_on=obj.closes_on,
            framework_version=obj.framework_version,
            actor=request.user,
        )
        adopt(obj, created)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["principal", "round", "state", "updated_at"]
    list_filter = ["round", "state"]


@admin.register(AssessmentVersion)
class AssessmentVersionAdmin(ReadOnlyAdmin):
    """Versions as organisers see them: submissions numbered 1, 2, … and drafts unnumbered
    (the stored `number` only orders them)."""

    list_display = ["assessment", "submission", "kind", "created_by_label", "created_at"]

    def get_queryset(self, request):
        earlier = AssessmentVersion.objects.filter(
            assessment_id=OuterRef("assessment_id"),
            kind=AssessmentVersion.Kind.SUBMITTED,
            number__lte=OuterRef("number"),
        )
        count = earlier.order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
        return (
            super()
            .get_queryset(request)
            .select_related("assessment__principal", "assessment__round")
            .annotate(
                submission_place=Case(
                    When(kind=AssessmentVersion.Kind.SUBMITTED, then=Subquery(count)),
                    default=None,
                )
            )
        )

    @admin.display(description=_("submission no."), ordering="number")
    def submission(self, obj):
        return obj.submission_place or "–"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["round", "principal", "sent_at", "sent_by_label"]
