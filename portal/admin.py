from django.contrib import admin
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, DemoDataset
from .twofactor import device_delete


class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):
    """Removing a lost device in the admin is how a user's two-step login is reset; it is logged."""

    def delete_model(self, request, obj):
        device_delete(
            actor=request.user, device=obj, note=gettext("Device removed by an administrator")
        )

    def delete_queryset(self, request, queryset):
        for device in queryset:
            self.delete_model(request, device)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuditedTOTPDeviceAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The history is append-only: searched and read here, never added, edited or removed."""

    list_display = ["occurred_at", "actor_label", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type", "occurred_at"]
    search_fields = ["object_repr", "actor_label", "object_id", "note"]
    date_hierarchy = "occurred_at"
    list_select_related = ["content_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DemoDataset)
class DemoDatasetAdmin(admin.ModelAdmin):
    list_display = ["loaded_at"]
