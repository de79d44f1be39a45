from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import County, ImportBatch, Invitation, Membership, Municipality, Principal, SchoolUnit


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county"]
    list_filter = ["county"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Principal)
class PrincipalAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation_number", "organiser_type", "status", "demo_marker"]
    list_filter = ["organiser_type", "status", "is_demo", "county"]
    search_fields = ["name", "organisation_number"]
    filter_horizontal = ["municipalities"]
    readonly_fields = ["source", "last_imported_at", "created_at", "updated_at", "version"]
    inlines = [MembershipInline]

    @admin.display(description=_("Demo"), boolean=True, ordering="is_demo")
    def demo_marker(self, obj):
        return obj.is_demo


@admin.register(SchoolUnit)
class SchoolUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "principal", "status", "in_register"]
    list_filter = ["status", "in_register", "unit_type"]
    search_fields = ["name", "code", "principal__name"]
    raw_id_fields = ["principal"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "principal",
        "role",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["principal", "invited_by", "accepted_by"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "uploaded_by", "created_at", "status"]
    exclude = ["content"]
    readonly_fields = ["uploaded_by", "filename", "full", "skip_invalid", "status", "report"]
