"""The admin for school organisers. Writes are recorded in the history as the portal records
them; members are added and removed through the same services as on the organiser's page."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_history import HistoryAdmin, HistoryHooks, ReadOnlyAdmin, adopt, seen_version

from . import services
from .models import County, ImportBatch, Invitation, Membership, Municipality, Principal, SchoolUnit


@admin.register(County)
class CountyAdmin(HistoryAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(HistoryAdmin):
    list_display = ["code", "name", "county"]
    list_filter = ["county"]
    search_fields = ["code", "name"]


class MembershipForm(forms.ModelForm):
    """A member's role is changed as in the portal: remove the membership and add it again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("user", "role"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if self.instance.pk is None and user is not None:
            # invitation_create finds the account by its address, so it must be this one.
            accounts = get_user_model().objects.filter(email__iexact=user.email, is_active=True)
            if not user.is_active or not user.email or accounts.count() != 1:
                raise ValidationError(
                    {
                        "user": gettext(
                            "Only an active account with an e-mail address of its own can be "
                            "added here. Invite the person from the organisation's page instead."
                        )
                    }
                )
        return cleaned


class MembershipInline(HistoryHooks, admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    raw_id_fields = ["user"]

    def history_create(self, *, request, obj, form):
        membership = services.invitation_create(
            principal=obj.principal, email=obj.user.email, role=obj.role, actor=request.user
        )
        adopt(obj, membership)

    def history_update(self, *, request, obj, form):
        """Nothing to save: the user and the role of an existing membership are not editable."""

    def history_delete(self, *, request, obj):
        services.membership_remove(membership=obj, actor=request.user)


@admin.register(Principal)
class PrincipalAdmin(HistoryAdmin):
    list_display = ["name", "organisation_number", "organiser_type", "status", "demo_marker"]
    list_filter = ["organiser_type", "status", "is_demo", "county"]
    search_fields = ["name", "organisation_number"]
    filter_horizontal = ["municipalities"]
    readonly_fields = ["source", "last_imported_at", "created_at", "updated_at", "version"]
    inlines = [MembershipInline]

    @admin.display(description=_("Demo"), boolean=True, ordering="is_demo")
    def demo_marker(self, obj):
        return obj.is_demo

    def history_update(self, *, request, obj, form):
        changed = set(form.changed_data)
        if changed and changed <= set(services.CONTACT_FIELDS):
            # The contact details have a service of their own, used by the organiser's page.
            services.principal_update_contact(
                principal=obj,
                actor=request.user,
                seen_version=seen_version(form, obj),
                **{name: getattr(obj, name) for name in services.CONTACT_FIELDS},
            )
            return
        super().history_update(request=request, obj=obj, form=form)


@admin.register(SchoolUnit)
class SchoolUnitAdmin(HistoryAdmin):
    list_display = ["name", "code", "principal", "status", "in_register"]
    list_filter = ["status", "in_register", "unit_type"]
    search_fields = ["name", "code", "principal__name"]
    raw_id_fields = ["principal"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only: an invitation's link is e-mailed once and only its hash is kept, so inviting,
    resending and revoking happen on the organiser's page, through the services."""

    list_display = [
        "email",
        "principal",
        "role",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Read-only: register files are checked and imported on the portal's import pages."""

    list_display = ["filename", "uploaded_by", "created_at", "status"]
    exclude = ["content"]
