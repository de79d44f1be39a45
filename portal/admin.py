from django.contrib import admin
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

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
