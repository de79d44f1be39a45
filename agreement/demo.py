"""Demonstration data for the work programme. Every activity title starts with "Demo:".

Loads the real 2020 agreement first, then adds made-up activities with milestones,
deliverables, costs and progress updates to it, and a made-up second agreement ("Demo: …")
running this year and next, so the overview shows upcoming and overdue milestones too.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from principals.models import Principal

from . import data_2020, services
from .models import Activity, Agreement, Cost, Deliverable, Initiative, Partner

ACTOR = "load_demo"
NOTE = "Demonstrationsdata: påhittad insats som visar hur portalen fungerar."

# title, initiative numbers, partners, status, planned (start, end), budgets {year: SEK}
ACTIVITIES_2020 = [
    (
        "Demo: Webbinarieserie om e-legitimation för personal",
        [11],
        ["Skolverket", "DIGG"],
        Activity.Status.COMPLETED,
        (datetime.date(2021, 1, 15), datetime.date(2022, 6, 30)),
        {2021: Decimal("600000"), 2022: Decimal("400000")},
    ),
    (
        "Demo: Nätverk för användarcentrerad tjänsteutveckling",
        [12],
        ["Inera"],
        Activity.Status.COMPLETED,
        (datetime.date(2021, 3, 1), datetime.date(2022, 11, 30)),
        {2021: Decimal("800000"), 2022: Decimal("900000")},
    ),
    (
        "Demo: Upphandlingsstöd för skoladministrativa system",
        [13],
        ["SKL Kommentus"],
        Activity.Status.COMPLETED,
        (datetime.date(2020, 12, 1), datetime.date(2022, 12, 15)),
        {2020: Decimal("300000"), 2021: Decimal("1200000"), 2022: Decimal("1500000")},
    ),
]


def _user():
    return get_user_model().objects.filter(username="demo-personal").first()


def _activity(*, agreement, title, numbers, partners, status, planned, budgets, responsible):
    activity = Activity.objects.filter(agreement=agreement, title=title).first()
    if activity is not None:
        return activity, False
    activity = services.activity_create(
        actor=ACTOR,
        agreement=agreement,
        fields={
            "title": title,
            "description": NOTE,
            "status": status,
            "planned_start": planned[0],
            "planned_end": planned[1],
            "actual_start": planned[0] if status != Activity.Status.PLANNED else None,
            "actual_end": planned[1] if status == Activity.Status.COMPLETED else None,
            "responsible": responsible,
        },
        initiatives=Initiative.objects.filter(number__in=numbers),
        commitments=agreement.commitments.filter(initiatives__number__in=numbers).distinct(),
        partners=Partner.objects.filter(name__in=partners),
        budgets=budgets,
    )
    return activity, True


def _follow_up(activity, *, start: datetime.date, principals, completed: bool, today):
    """Two milestones, a deliverable, two costs and two updates, dated from `start`."""
    day = datetime.timedelta
    first_due = start + day(60)
    second_due = start + day(200) if completed else today + day(14)
    services.milestone_create(
        actor=ACTOR,
        activity=activity,
        fields={"title": "Demo: Planering klar", "due_on": first_due, "completed_on": first_due},
    )
    services.milestone_create(
        actor=ACTOR,
        activity=activity,
        fields={
            "title": "Demo: Första leveransen publicerad",
            "due_on": second_due,
            "completed_on": second_due if completed else None,
        },
    )
    if not completed:
        services.milestone_create(
            actor=ACTOR,
            activity=activity,
            fields={"title": "Demo: Uppföljning med huvudmännen", "due_on": today - day(5)},
        )
    services.deliverable_create(
        actor=ACTOR,
        activity=activity,
        fields={
            "kind": Deliverable.Kind.WEBINAR,
            "title": "Demo: Webbinarium för huvudmän",
            "delivered_on": start + day(90),
            "participants": 30 + 10 * len(principals),
            "description": NOTE,
        },
        principals=principals,
    )
    for offset, amount, category in [
        (30, Decimal("85000"), Cost.Category.PERSONNEL),
        (95, Decimal("42500.50"), Cost.Category.EVENTS),
    ]:
        services.cost_create(
            actor=ACTOR,
            activity=activity,
            fields={
                "incurred_on": start + day(offset),
                "amount": amount,
                "category": category,
                "note": "Demonstrationsdata",
            },
        )
    for offset, rating, done in [
        (45, "green", "Demo: Planeringen är klar och inbjudan har gått ut."),
        (120, "amber" if not completed else "green", "Demo: Första webbinariet är genomfört."),
    ]:
        services.progress_update_create(
            actor=ACTOR,
            activity=activity,
            fields={
                "reported_on": start + day(offset),
                "rating": rating,
                "done": done,
                "next_steps": "Demo: Sammanställa erfarenheter och planera nästa steg.",
                "risks": "" if rating == "green" else "Demo: Få anmälda från mindre huvudmän.",
            },
        )


def _demo_agreement(today: datetime.date) -> Agreement:
    year = today.year
    title = f"Demo: Fortsatt stöd till huvudmännen {year}–{year + 1}"
    agreement = Agreement.objects.filter(title=title).first()
    if agreement is not None:
        return agreement
    agreement = services.agreement_create(
        actor=ACTOR,
        fields={
            "title": title,
            "signed_on": datetime.date(year, 1, 1),
            "starts_on": datetime.date(year, 1, 1),
            "ends_on": datetime.date(year + 1, 12, 31),
            "final_report_due": datetime.date(year + 2, 2, 28),
            "description": "Demonstrationsdata: en påhittad överenskommelse, inte verklig.",
            "is_demo": True,
        },
        initiatives=Initiative.objects.filter(number__in=[11, 12, 13]),
    )
    for y in (year, year + 1):
        services.funding_year_create(
            actor=ACTOR, agreement=agreement, year=y, allocated=Decimal("4000000")
        )
    return agreement


def load(stdout) -> list[tuple[str, str]]:
    today = datetime.date.today()
    agreement, _created = data_2020.load()
    responsible = _user()
    principals = list(Principal.objects.filter(is_demo=True).order_by("pk")[:8])
    for title, numbers, partners, status, planned, budgets in ACTIVITIES_2020:
        activity, created = _activity(
            agreement=agreement,
            title=title,
            numbers=numbers,
            partners=partners,
            status=status,
            planned=planned,
            budgets=budgets,
            responsible=responsible,
        )
        if created:
            _follow_up(
                activity,
                start=planned[0],
                principals=principals,
                completed=True,
                today=today,
            )

    demo = _demo_agreement(today)
    year = today.year
    start = max(datetime.date(year, 1, 10), today - datetime.timedelta(150))
    for title, numbers, partners in [
        ("Demo: Stöd för anslutning till Skolfederation", [11], ["Internetstiftelsen"]),
        ("Demo: Utbildning i tjänstedesign för huvudmän", [12], ["Inera"]),
    ]:
        activity, created = _activity(
            agreement=demo,
            title=title,
            numbers=numbers,
            partners=partners,
            status=Activity.Status.ONGOING,
            planned=(start, datetime.date(year + 1, 6, 30)),
            budgets={year: Decimal("900000"), year + 1: Decimal("700000")},
            responsible=responsible,
        )
        if created:
            _follow_up(
                activity,
                start=start,
                principals=principals[:4],
                completed=False,
                today=today,
            )
    stdout.write("Överenskommelser och demoinsatser inlästa.")
    return []
