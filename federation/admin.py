"""Administrators set which login services may ask for access to which organiser; identities
and requests are shown, and changed only through the portal's pages."""

from django.contrib import admin

from portal.admin_history import HistoryAdmin

from .models import AccessRequest, FederatedIdentity, IdpAccessRule


@admin.register(IdpAccessRule)
class IdpAccessRuleAdmin(HistoryAdmin):
    list_display = ["issuer", "principal", "role", "created_at"]
    search_fields = ["issuer", "principal__name", "principal__organisation_number"]
    autocomplete_fields = ["principal"]


class ShownAndDeletable(HistoryAdmin):
    """Not added or changed in the admin; deleted (with the history recording it) when a user
    or an organiser they belong to is deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FederatedIdentity)
class FederatedIdentityAdmin(ShownAndDeletable):
    list_display = ["subject", "issuer", "method", "user", "last_login_at"]
    list_filter = ["method"]
    search_fields = ["subject", "issuer", "user__username"]


@admin.register(AccessRequest)
class AccessRequestAdmin(ShownAndDeletable):
    list_display = ["identity", "rule", "status", "created_at", "decided_at"]
    list_filter = ["status"]
