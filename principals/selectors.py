"""Reads for the staff register and the principal page."""

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.fragments import remember, subject_version

from .models import County, Membership, Municipality, Principal, SchoolUnit


def _count(queryset, field: str = "principal"):
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _register_units():
    return SchoolUnit.objects.filter(in_register=True)


def _active_memberships():
    return Membership.objects.filter(user__is_active=True)


def register_rows(queryset=None):
    """Principals with their county, unit count and number of active users, in one query."""
    queryset = queryset if queryset is not None else Principal.objects.all()
    return queryset.select_related("county").annotate(
        unit_count=_count(_register_units()),
        user_count=_count(_active_memberships()),
    )


def register_count_queries():
    """Every principal's unit count and number of active users as register_rows counts them,
    as rows (principal pk, count), one query each (absent: none): for the whole register a
    hash aggregate over each table costs a fraction of one counting subquery per principal
    (at 5 000 organisers and 25 000 school units, 4 ms against 33)."""

    def by_principal(queryset):
        return (
            queryset.order_by()
            .values("principal")
            .annotate(n=Count("pk"))
            .values_list("principal", "n")
        )

    return by_principal(_register_units()), by_principal(_active_memberships())


def register_counts() -> tuple[dict[int, int], dict[int, int]]:
    """register_count_queries() as two dicts by principal pk."""
    units, users = register_count_queries()
    return dict(units), dict(users)


def members_of(principal: Principal):
    return principal.memberships.select_related("user").order_by("user__email", "user__username")


def members_prefetch() -> Prefetch:
    """Each principal's `memberships` with their users, by last name, for lists of principals."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related("user").order_by("user__last_name"),
    )


def editor_memberships(principals):
    """The editor memberships of these principals, with their users."""
    return Membership.objects.filter(
        principal__in=principals, role=Membership.Role.EDITOR
    ).select_related("user")


def active_editor_emails(principal: Principal) -> list[str]:
    """The addresses of a principal's active editors, sorted, each once."""
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                principal=principal, role=Membership.Role.EDITOR, user__is_active=True
            ).select_related("user")
            if m.user.email
        }
    )


def active_member_emails(principal_ids) -> dict[int, set[str]]:
    """{principal id: addresses of its active members} for the principals that have any."""
    emails: dict[int, set[str]] = {}
    for principal_id, email in Membership.objects.filter(
        principal__in=principal_ids, user__is_active=True
    ).values_list("principal_id", "user__email"):
        if email:
            emails.setdefault(principal_id, set()).add(email)
    return emails


def pending_invitations_of(principal: Principal):
    return principal.invitations.pending().select_related("invited_by").order_by("-sent_at")


def units_of(principal: Principal):
    return principal.school_units.select_related("municipality").order_by("-in_register", "name")


def geography_version() -> str:
    """Moves only when counties or municipalities change (portal/fragments.py): the register's
    filters list them, and are kept under it while organisers and their data change."""
    return subject_version([County, Municipality])


def register_version() -> str:
    """Moves with every change the register shows: organisers, school units, memberships,
    accounts (active or not), counties and municipalities (their events, new rows, the admin
    log); submissions and other programme changes leave the register's parts cached."""
    from django.contrib.auth import get_user_model

    return subject_version(
        [Principal, SchoolUnit, Membership, County, Municipality, get_user_model()]
    )


def _county_choices() -> list[tuple[int, str]]:
    return remember(
        "county-choices",
        (),
        lambda: list(County.objects.order_by("code").values_list("pk", "name")),
        version=geography_version(),
    )


def _municipality_choices() -> list[tuple[int, str]]:
    return remember(
        "municipality-choices",
        (),
        lambda: list(Municipality.objects.order_by("name").values_list("pk", "name")),
        version=geography_version(),
    )


class PrincipalFilter(django_filters.FilterSet):
    """The register's search, filters and sorting; the CSV export uses the same one."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Name, organisation number or school unit code"),
    )
    organiser_type = django_filters.ChoiceFilter(
        label=_("Organiser type"), choices=Principal.OrganiserType.choices, empty_label=_("All")
    )
    # By pk and name, read afresh for each form: 290 municipalities as model instances took
    # longer than the rest of the register's filters together.
    county = django_filters.ChoiceFilter(
        label=_("County"), choices=_county_choices, empty_label=_("All")
    )
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"),
        choices=_municipality_choices,
        method="in_municipality",
        empty_label=_("All"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Principal.Status.choices, empty_label=_("All")
    )
    has_users = django_filters.ChoiceFilter(
        label=_("Has active users"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method="with_users",
        empty_label=_("All"),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("organisation_number", "organisation_number"),
            ("unit_count", "units"),
            ("user_count", "users"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "name": _("Name"),
            "organisation_number": _("Organisation number"),
            "unit_count": _("School units"),
            "user_count": _("Users"),
            "updated_at": _("Last changed"),
        },
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Principal
        fields = ["q", "organiser_type", "county", "municipality", "status", "has_users"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value) | Q(organisation_number__icontains=value)
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) == 10:
            condition |= Q(organisation_number=f"{digits[:6]}-{digits[6:]}")
        if len(digits) == 8 and digits == value:
            condition |= Exists(SchoolUnit.objects.filter(principal=OuterRef("pk"), code=digits))
        return queryset.filter(condition)

    def in_municipality(self, queryset, name, value):
        through = Principal.municipalities.through
        return queryset.filter(
            Exists(through.objects.filter(principal_id=OuterRef("pk"), municipality_id=value))
        )

    def with_users(self, queryset, name, value):
        active = Exists(Membership.objects.filter(principal=OuterRef("pk"), user__is_active=True))
        return queryset.filter(active if value == "yes" else ~active)
