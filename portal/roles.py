"""The portal's roles, and the one place that decides which role a user has.

Views ask about permissions (see `portal.permissions`); roles decide the landing page and
the navigation. Organiser users are users with a membership of a principal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

STAFF_GROUP = "Programpersonal"
LEAD_GROUP = "Programledning"
GOVERNMENT_GROUP = "Regeringens läsare"

STAFF_PERMISSIONS = [
    "view_programme",
    "change_programme",
    "view_aggregates",
    "manage_principals",
    "view_principal_data",
    "manage_rounds",
    "edit_final_report",
]
LEAD_PERMISSIONS = [*STAFF_PERMISSIONS, "approve_final_report"]
GOVERNMENT_PERMISSIONS = ["view_programme", "view_aggregates"]

GROUP_PERMISSIONS = {
    STAFF_GROUP: STAFF_PERMISSIONS,
    LEAD_GROUP: LEAD_PERMISSIONS,
    GOVERNMENT_GROUP: GOVERNMENT_PERMISSIONS,
}


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Programme staff")
    GOVERNMENT = "government", _("Government viewer")
    ORGANISER = "organiser", _("Organiser user")
    NONE = "none", _("No role yet")


def role_of(user) -> Role:
    """The user's main role; cached on the user object for the request."""
    if not user.is_authenticated:
        return Role.NONE
    cached = getattr(user, "_portal_role", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        role = Role.ADMIN
    elif user.has_perm("portal.change_programme"):
        role = Role.STAFF
    elif user.has_perm("portal.view_aggregates"):
        role = Role.GOVERNMENT
    elif _is_member(user):
        role = Role.ORGANISER
    else:
        role = Role.NONE
    user._portal_role = role
    return role


def _is_member(user) -> bool:
    """Whether the user belongs to any organiser; the sign-in cache may already know."""
    known = getattr(user, "_portal_is_member", None)
    return user.memberships.exists() if known is None else known


def ensure_role_groups(group_model, permission_model) -> None:
    """Create the role groups with their permissions; idempotent. Used by a migration and tests."""
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.set(
            permission_model.objects.filter(
                content_type__app_label="portal", codename__in=codenames
            )
        )
