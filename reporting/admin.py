"""The admin for final reports and published rounds: shown, never rewritten.

What was submitted or published is written once (WriteOnce), and the report's workflow has
its own page, so everything here is read-only except a draft's section text, which is saved
through the same service as on the report page and recorded on the report's history.
"""

from django.contrib import admin
from django.db import models

from portal.admin_history import HistoryAdmin, ReadOnlyAdmin, seen_version

from .final_report import services
from .models import FinalReport, ReportReminder, ReportSection, RoundPublication, SubmittedReport


def _summary_fields(model: type[models.Model]) -> list[str]:
    """The fields worth showing: the documents and JSON themselves are too large for a page."""
    return [
        f.name
        for f in model._meta.fields
        if not isinstance(f, models.BinaryField | models.TextField) and not f.primary_key
    ]


@admin.register(FinalReport)
class FinalReportAdmin(ReadOnlyAdmin):
    """Read-only: the report moves between draft, review, approval and submission on its page."""

    list_display = ["agreement", "state", "updated_at"]
    list_filter = ["state"]


@admin.register(ReportSection)
class ReportSectionAdmin(HistoryAdmin):
    """A draft report's section heading and text; sections are added and removed on the page."""

    list_display = ["title", "report", "order"]
    list_filter = ["report"]
    search_fields = ["title", "body"]
    fields = ["report", "title", "body", "kind", "key", "order", "text_required", "initiative"]
    readonly_fields = ["report", "kind", "key", "order", "text_required", "initiative"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.report.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def history_update(self, *, request, obj, form):
        services.section_update(
            section=obj,
            actor=request.user,
            title=obj.title,
            body=obj.body,
            seen_version=seen_version(form, obj),
        )


@admin.register(SubmittedReport)
class SubmittedReportAdmin(ReadOnlyAdmin):
    """Written once at submission; the checksums show that nothing has changed since."""

    list_display = ["report", "submitted_at", "submitted_by_label"]
    fields = _summary_fields(SubmittedReport)


@admin.register(RoundPublication)
class RoundPublicationAdmin(ReadOnlyAdmin):
    """Written once when a round's figures are published."""

    list_display = ["round", "published_at", "published_by_label"]
    fields = _summary_fields(RoundPublication)


@admin.register(ReportReminder)
class ReportReminderAdmin(ReadOnlyAdmin):
    """Each reminder is sent once, by the daily command."""

    list_display = ["agreement", "days_before", "sent_at"]
