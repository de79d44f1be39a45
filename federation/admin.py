"""Administrators set which login services may ask for access to which organiser; identities
and requests are shown, and changed only through the portal's pages."""

from django.contrib import admin

from portal.admin_history import HistoryAdmin, ReadOnlyAdmin

from .models import AccessRequest, FederatedIdentity, IdpAccessRule


@admin.register(IdpAccessRule)
class IdpAccessRuleAdmin(HistoryAdmin):
    list_display = ["issuer", "principal", "role", "created_at"]
    search_fields = ["issuer", "principal__name", "principal__organisation_number"]
    autocomplete_fields = ["principal"]


@admin.register(FederatedIdentity)
class FederatedIdentityAdmin(ReadOnlyAdmin):
    list_display = ["subject", "issuer", "method", "user", "last_login_at"]
    list_filter = ["method"]
    search_fields = ["subject", "issuer", "user__username"]


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["identity", "rule", "status", "created_at", "decided_at"]
    list_filter = ["status"]
