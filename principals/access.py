"""The one choke point for organiser-scoped data. Views never filter by organiser themselves.

Programme staff see every principal. An organiser user sees the principals they are a
member of; anything else is 404, so the existence of other organisers' records never leaks.
Editing needs an editor membership (a reader gets 403) or the staff permission.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404

from portal.permissions import MANAGE_PRINCIPALS, VIEW_AGGREGATES, VIEW_PRINCIPAL_DATA

from .models import Membership, Principal


def sees_all_principals(user) -> bool:
    return user.has_perm(VIEW_PRINCIPAL_DATA)


def visible_principals(user):
    """Principals whose own pages and data this user may read."""
    if not user.is_authenticated:
        return Principal.objects.none()
    if sees_all_principals(user):
        return Principal.objects.all()
    return Principal.objects.filter(memberships__user=user)


def member_principals(user):
    """The principals a user belongs to, for the organiser's own start page."""
    if not user.is_authenticated:
        return Principal.objects.none()
    return Principal.objects.filter(memberships__user=user)


def membership_of(user, principal: Principal) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, principal=principal).first()


def can_edit(user, principal: Principal) -> bool:
    """Staff who manage principals, or an editor member of this principal."""
    if not user.is_authenticated:
        return False
    if user.has_perm(MANAGE_PRINCIPALS):
        return True
    return Membership.objects.filter(
        user=user, principal=principal, role=Membership.Role.EDITOR
    ).exists()


def is_editor_member(user, principal: Principal) -> bool:
    """An editor membership, which submitting an organiser's own answers requires."""
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, principal=principal, role=Membership.Role.EDITOR
        ).exists()
    )


def get_principal_for_view(user, pk) -> Principal:
    try:
        return visible_principals(user).get(pk=pk)
    except (Principal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_principal_for_edit(user, pk) -> Principal:
    principal = get_principal_for_view(user, pk)
    if not can_edit(user, principal):
        raise PermissionDenied
    return principal


def get_principal_for_answers(user, pk) -> Principal:
    """An organiser's own answers: its members and staff. Readers of aggregates (the
    Government) are refused outright (403): they never see one organiser's answers.

    The principal comes with `is_editor`: whether this user is an editor member of it (what
    submitting requires, as is_editor_member), found in the same query."""
    if not user.is_authenticated:
        raise Http404
    sees_all = sees_all_principals(user)
    reads_only_aggregates = user.has_perm(VIEW_AGGREGATES) and not sees_all
    try:
        # One membership per user and principal (a constraint): its role, or None.
        role = Membership.objects.filter(user=user, principal=OuterRef("pk")).values("role")
        principal = Principal.objects.annotate(member_role=Subquery(role[:1])).get(pk=pk)
    except (Principal.DoesNotExist, ValueError, TypeError):
        principal = None
    if principal is not None:
        principal.is_editor = principal.member_role == Membership.Role.EDITOR
    if principal is None or principal.member_role is None:
        if reads_only_aggregates:
            raise PermissionDenied
        if principal is None or not sees_all:
            raise Http404
    return principal


def get_principal_by_number(user, organisation_number: str, *, only=None, answers=False):
    """The API's lookup by the organisation number people know, as the pages' lookups by pk
    (answers=True: as get_principal_for_answers), and for an organiser's API key only its own
    principal (`only`, its pk): another organiser's number is 404 like a missing one."""
    from django.core.exceptions import ValidationError

    from .orgnr import normalise

    try:
        number = normalise(organisation_number)
    except ValidationError:
        raise Http404 from None
    pk = Principal.objects.filter(organisation_number=number).values_list("pk", flat=True).first()
    if pk is None or (only is not None and pk != only):
        raise Http404
    return get_principal_for_answers(user, pk) if answers else get_principal_for_view(user, pk)


def api_visible_principals(user, *, only=None):
    """The register as an API key sees it: what its user sees, and an organiser's key only
    its own principal."""
    principals = visible_principals(user)
    return principals.filter(pk=only) if only is not None else principals


def editor_principals(user):
    """The principals this user is an editor member of (an organiser's API keys, api/)."""
    if not user.is_authenticated:
        return Principal.objects.none()
    return Principal.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=Membership.Role.EDITOR).values("principal")
    )
