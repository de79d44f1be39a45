"""The admin for cross-cutting records: users and groups, two-step devices, login records and
the history itself. Every write here is recorded in the history (portal/admin_history.py)."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .admin_history import HistoryMixin, ReadOnlyAdmin
from .audit import Action, record
from .models import (
    AccessibilityFeedback,
    AuditEvent,
    DemoDataset,
    Job,
    OutgoingMail,
    RetentionRun,
)
from .signals import user_deleting
from .twofactor import device_delete


def _replace(model, admin_class) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


class AuditedTOTPDeviceAdmin(HistoryMixin, TOTPDeviceAdmin):
    """Removing a lost device is how a user's two-step login is reset; it is logged. A device is
    only ever set up by its user, who alone may see its secret, so none is added or edited here."""

    # django-otp's own help text is English, built from the user model's field names.
    search_help_text = gettext_lazy("Search by the user's user name or e-mail address")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def history_delete(self, *, request, obj):
        device_delete(
            actor=request.user, device=obj, note=gettext("Device removed by an administrator")
        )


class AuditedUserAdmin(HistoryMixin, UserAdmin):
    """Users' details, groups and permissions; a new password is recorded, never its value."""

    def history_delete(self, *, request, obj):
        # Apps above the portal end what they hold for the user, through their services.
        user_deleting.send(sender=type(obj), user=obj, actor=request.user)
        super().history_delete(request=request, obj=obj)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    old = "set" if is_password_usable(before) else "unusable"
                    new = "new" if user.has_usable_password() else "unusable"
                    record(
                        actor=request.user,
                        subject=user,
                        action=Action.CHANGED,
                        changes={"password": [old, new]},
                    )
        return response


class AuditedGroupAdmin(HistoryMixin, GroupAdmin):
    """The role groups' permissions decide who may do what in the portal; changes are logged."""


class AuditedAccessAttemptAdmin(HistoryMixin, AccessAttemptAdmin):
    """Deleting a failed-login record unlocks the account; that is logged. Nothing is edited."""

    def has_change_permission(self, request, obj=None):
        return False


class AccessLogReadOnlyAdmin(ReadOnlyAdmin, AccessLogAdmin):
    """The login log is evidence: read here, cleaned up only by axes' own commands."""


class AccessFailureLogReadOnlyAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    """The failed-login log is evidence: read here, cleaned up only by axes' own commands."""


_replace(TOTPDevice, AuditedTOTPDeviceAdmin)
_replace(User, AuditedUserAdmin)
_replace(Group, AuditedGroupAdmin)
if admin.site.is_registered(AccessAttempt):
    _replace(AccessAttempt, AuditedAccessAttemptAdmin)
    _replace(AccessLog, AccessLogReadOnlyAdmin)
    _replace(AccessFailureLog, AccessFailureLogReadOnlyAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The history is append-only: searched and read here, never added, edited or removed."""

    list_display = ["occurred_at", "actor_label", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type", "occurred_at"]
    search_fields = ["object_repr", "actor_label", "object_id", "note"]
    date_hierarchy = "occurred_at"
    list_select_related = ["content_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(DemoDataset)
class DemoDatasetAdmin(ReadOnlyAdmin):
    """Read-only: the marker is set by `load_demo` and goes with the demo data."""

    list_display = ["loaded_at"]


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """Every message and what the mail server answered; written by the portal, never here.
    A message holding a sign-in code or a password link has its text emptied once sent."""

    list_display = ["created_at", "subject", "label", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["key", "label", "subject", "topic", "to"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]


@admin.register(AccessibilityFeedback)
class AccessibilityFeedbackAdmin(ReadOnlyAdmin):
    """Messages from the accessibility statement's form (each also e-mailed to programme
    staff); deleted after RETENTION_FEEDBACK_DAYS (docs/privacy.md)."""

    list_display = ["received_at", "email", "page"]
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in AccessibilityFeedback._meta.fields]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """What each `retention_purge` removed, as counts per rule (docs/privacy.md)."""

    list_display = ["ran_at", "__str__"]
    readonly_fields = ["ran_at", "counts"]


@admin.register(Job)
class JobAdmin(HistoryMixin, ReadOnlyAdmin):
    """Background jobs and their state; the stored file is downloaded by its owner only. A job
    can be deleted (it goes with its owner's account too), which is recorded."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    list_display = ["created_at", "title", "owner", "status", "attempts", "finished_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["title", "owner__username"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    exclude = ["result"]
    readonly_fields = [f.name for f in Job._meta.fields if f.name != "result"]


class TaskResultReadOnlyAdmin(ReadOnlyAdmin, DBTaskResultAdmin):
    """The worker's own task rows (django-tasks-db), for looking into a stuck or failed task."""


_replace(DBTaskResult, TaskResultReadOnlyAdmin)
