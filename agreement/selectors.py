"""Reads for the programme pages. Totals are summed in the database, a fixed number of queries."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from portal.audit import actor_shown, changes_shown, history_for
from portal.models import AuditEvent

from .models import (
    AMOUNT,
    Activity,
    ActivityBudget,
    Agreement,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
)

ZERO = Value(Decimal("0"), output_field=DecimalField(**AMOUNT))
UPCOMING_DAYS = 30


def _sum_subquery(queryset, group: str, amount: str = "amount"):
    return Coalesce(
        Subquery(queryset.order_by().values(group).annotate(total=Sum(amount)).values("total")[:1]),
        ZERO,
    )


def programme_staff():
    """Users who may be made responsible for an activity."""
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="change_programme")
            | Q(user_permissions__codename="change_programme"),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def agreements_with_totals():
    """Agreements with allocated, budgeted and spent totals and their overdue milestones."""
    today = datetime.date.today()
    allocated = _sum_subquery(
        FundingYear.objects.filter(agreement=OuterRef("pk")), "agreement", "allocated"
    )
    budgeted = _sum_subquery(
        ActivityBudget.objects.filter(funding_year__agreement=OuterRef("pk")),
        "funding_year__agreement",
    )
    spent = _sum_subquery(
        Cost.objects.filter(activity__agreement=OuterRef("pk")), "activity__agreement"
    )
    overdue = Coalesce(
        Subquery(
            Milestone.objects.filter(activity__agreement=OuterRef("pk"))
            .overdue(today)
            .order_by()
            .values("activity__agreement")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )
    return Agreement.objects.annotate(
        allocated_total=allocated,
        budgeted_total=budgeted,
        spent_total=spent,
        overdue_milestones=overdue,
        activity_count=Coalesce(
            Subquery(
                Activity.objects.filter(agreement=OuterRef("pk"), archived_at__isnull=True)
                .order_by()
                .values("agreement")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
    )


def funding_years_with_totals(agreement: Agreement) -> list[FundingYear]:
    years = FundingYear.objects.filter(agreement=agreement).annotate(
        budgeted=_sum_subquery(
            ActivityBudget.objects.filter(funding_year=OuterRef("pk")), "funding_year"
        ),
        spent=_sum_subquery(
            Cost.objects.filter(
                activity__agreement=OuterRef("agreement"), incurred_on__year=OuterRef("year")
            ),
            "activity__agreement",
        ),
    )
    result = list(years.order_by("year"))
    for fy in result:
        fy.remaining = fy.allocated - fy.spent
        fy.unbudgeted = fy.allocated - fy.budgeted
    return result


def activities_for_overview(agreement: Agreement):
    return (
        Activity.objects.filter(agreement=agreement)
        .current()
        .with_latest_rating()
        .with_overdue_count()
        .with_spent()
        .select_related("responsible")
        .order_by("planned_start", "title")
    )


@dataclass
class Overview:
    agreement: Agreement
    funding_years: list[FundingYear]
    totals: dict[str, Decimal]
    initiatives: list[Initiative]
    unlinked_activities: list[Activity]
    overdue_milestones: list[Milestone]
    upcoming_milestones: list[Milestone]
    commitments: list
    reach: dict[str, Any]
    days_left: int
    today: datetime.date = field(default_factory=datetime.date.today)


def agreement_overview(agreement: Agreement) -> Overview:
    today = datetime.date.today()
    funding_years = funding_years_with_totals(agreement)
    totals = {
        key: sum((getattr(fy, key) for fy in funding_years), Decimal("0"))
        for key in ("allocated", "budgeted", "spent", "remaining")
    }
    spent_by_initiative = _sum_subquery(
        Cost.objects.filter(activity__agreement=agreement, activity__initiatives=OuterRef("pk")),
        "activity__agreement",
    )
    budget_by_initiative = _sum_subquery(
        ActivityBudget.objects.filter(
            activity__agreement=agreement, activity__initiatives=OuterRef("pk")
        ),
        "activity__agreement",
    )
    initiatives = list(
        agreement.initiatives.annotate(spent=spent_by_initiative, budgeted=budget_by_initiative)
        .prefetch_related(
            Prefetch(
                "activities",
                queryset=activities_for_overview(agreement),
                to_attr="overview_activities",
            )
        )
        .order_by("number")
    )
    unlinked = list(activities_for_overview(agreement).filter(initiatives__isnull=True))
    due = list(
        Milestone.objects.filter(activity__agreement=agreement, activity__archived_at__isnull=True)
        .open()
        .filter(due_on__lte=today + datetime.timedelta(UPCOMING_DAYS))
        .select_related("activity")
        .order_by("due_on", "pk")
    )
    reach = Deliverable.objects.filter(activity__agreement=agreement).aggregate(
        deliverables=Count("pk", distinct=True),
        participants=Coalesce(Sum("participants"), 0),
    )
    reach["principals"] = (
        Deliverable.principals.through.objects.filter(deliverable__activity__agreement=agreement)
        .values("principal")
        .distinct()
        .count()
    )
    return Overview(
        agreement=agreement,
        funding_years=funding_years,
        totals=totals,
        initiatives=initiatives,
        unlinked_activities=unlinked,
        overdue_milestones=[m for m in due if m.due_on < today],
        upcoming_milestones=[m for m in due if m.due_on >= today],
        commitments=list(agreement.commitments.prefetch_related("initiatives")),
        reach=reach,
        days_left=agreement.days_to_final_report(today),
        today=today,
    )


def activity_list():
    """Every activity with what the list shows and filters on, in a fixed number of queries."""
    return (
        Activity.objects.with_latest_rating()
        .with_overdue_count()
        .with_spent()
        .select_related("agreement", "responsible")
        .prefetch_related("initiatives")
        .order_by("planned_start", "title", "pk")
    )


@dataclass
class TimelineEntry:
    date: datetime.date
    kind: str
    obj: Any


def activity_detail(activity: Activity) -> dict[str, Any]:
    """Everything the activity page shows: budgets against spending per year, and the timeline."""
    spent_by_year = dict(
        Cost.objects.filter(activity=activity)
        .values_list("incurred_on__year")
        .annotate(total=Sum("amount"))
        .values_list("incurred_on__year", "total")
    )
    budgets = {
        b.funding_year.year: b.amount for b in activity.budgets.select_related("funding_year")
    }
    years = [
        {
            "year": fy.year,
            "budget": budgets.get(fy.year, Decimal("0")),
            "spent": spent_by_year.get(fy.year, Decimal("0")),
        }
        for fy in activity.agreement.funding_years.order_by("year")
    ]
    milestones = list(activity.milestones.all())
    deliverables = list(
        activity.deliverables.annotate(principal_count=Count("principals")).order_by("delivered_on")
    )
    costs = list(activity.costs.all())
    updates = list(activity.updates.select_related("author"))
    timeline = sorted(
        [TimelineEntry(m.completed_on or m.due_on, "milestone", m) for m in milestones]
        + [TimelineEntry(d.delivered_on, "deliverable", d) for d in deliverables]
        + [TimelineEntry(c.incurred_on, "cost", c) for c in costs]
        + [TimelineEntry(u.reported_on, "update", u) for u in updates],
        key=lambda e: (e.date, e.kind),
        reverse=True,
    )
    return {
        "years": years,
        "budget_total": sum((y["budget"] for y in years), Decimal("0")),
        "spent_total": sum((y["spent"] for y in years), Decimal("0")),
        "milestones": milestones,
        "deliverables": deliverables,
        "costs": costs,
        "updates": updates,
        "latest_update": updates[0] if updates else None,
        "timeline": timeline,
        "today": datetime.date.today(),
    }


def activity_changes_since(activity: Activity, seen_version: int) -> dict[str, Any]:
    """What others changed after the person opened the form at `seen_version`, oldest first.

    Each CHANGED event of an activity records its version step, so the events after the seen
    version are exactly the changes the person has not seen.
    """
    merged: dict[str, list[Any]] = {}
    actors: list[str] = []
    events = history_for(activity).filter(action=AuditEvent.Action.CHANGED).order_by("pk")
    for event in events:
        step = event.changes.get("version")
        if not step or step[0] is None or int(step[0]) < int(seen_version):
            continue
        actor = actor_shown(event.actor, event.actor_label, None)
        if actor not in actors:
            actors.append(actor)
        for name, (old, new) in event.changes.items():
            if name == "version":
                continue
            merged[name] = [merged[name][0] if name in merged else old, new]
    rows = [
        {"label": label, "old": old, "new": new}
        for label, old, new in changes_shown(Activity, merged)
    ]
    return {"actors": actors, "rows": rows}


def initiatives_with_totals():
    return Initiative.objects.annotate(
        activity_count=Count("activities", filter=Q(activities__archived_at__isnull=True)),
        spent=_sum_subquery(
            Cost.objects.filter(activity__initiatives=OuterRef("pk")), "activity__initiatives"
        ),
    ).order_by("number")


def partners_with_counts():
    return Partner.objects.annotate(
        activity_count=Count("activities", filter=Q(activities__archived_at__isnull=True))
    ).order_by("name")
