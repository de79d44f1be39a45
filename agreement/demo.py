"""Demonstration data for the work programme. Every activity title starts with "Demo:".

Loads the real 2020 agreement first, then adds made-up activities to it, written at the times
they would have happened (2020–2022), and a made-up current agreement ("Demo: …") that runs from
last year to next, with activities in progress, upcoming and overdue milestones. Costs follow
each activity's budget year by year, so they differ between activities and years.
Idempotent: an activity or agreement that exists is left alone.
"""

import datetime
import random
import zlib
from decimal import Decimal

from django.contrib.auth import get_user_model

from portal.demo import at, clock
from principals.models import Principal

from . import data_2020, services
from .models import Activity, Agreement, Cost, Deliverable, Initiative, Partner

ACTOR = "load_demo"
NOTE = "Demonstrationsdata: påhittad insats som visar hur portalen fungerar."
CURRENT_TITLE = "Demo: Fortsatt stöd till huvudmännen"
day = datetime.timedelta

# title, initiative numbers, partners, (planned start, end), budgets {year: SEK},
# deliverables [(kind, title, days after start, participants)]
ACTIVITIES_2020 = [
    (
        "Demo: Webbinarieserie om e-legitimation för personal",
        [11],
        ["Skolverket", "DIGG"],
        (datetime.date(2021, 1, 15), datetime.date(2022, 6, 30)),
        {2021: Decimal("600000"), 2022: Decimal("400000")},
        [
            (Deliverable.Kind.WEBINAR, "Demo: Webbinarium om e-legitimation och tillitsnivåer", 75),
            (Deliverable.Kind.WEBINAR, "Demo: Webbinarium om tvåfaktorsinloggning", 300),
            (Deliverable.Kind.GUIDANCE, "Demo: Vägledning om e-legitimation för personal", 420),
        ],
    ),
    (
        "Demo: Nätverk för användarcentrerad tjänsteutveckling",
        [12],
        ["Inera"],
        (datetime.date(2021, 3, 1), datetime.date(2022, 11, 30)),
        {2021: Decimal("800000"), 2022: Decimal("900000")},
        [
            (Deliverable.Kind.NETWORK, "Demo: Första nätverksträffen om tjänstedesign", 60),
            (Deliverable.Kind.TRAINING, "Demo: Utbildning i användarintervjuer", 240),
            (Deliverable.Kind.NETWORK, "Demo: Nätverksträff om e-tjänster för vårdnadshavare", 480),
        ],
    ),
    (
        "Demo: Upphandlingsstöd för skoladministrativa system",
        [13],
        ["SKL Kommentus"],
        (datetime.date(2020, 12, 1), datetime.date(2022, 12, 15)),
        {2020: Decimal("300000"), 2021: Decimal("1200000"), 2022: Decimal("1500000")},
        [
            (Deliverable.Kind.PROCUREMENT, "Demo: Kravbilaga för skoladministrativa system", 150),
            (Deliverable.Kind.WEBINAR, "Demo: Webbinarium om upphandling utan inlåsning", 330),
            (
                Deliverable.Kind.TOOL,
                "Demo: Checklista för informationssäkerhet vid upphandling",
                600,
            ),
        ],
    ),
    (
        "Demo: Samordning med Skolverket inför digitala nationella prov",
        [11, 13],
        ["Skolverket", "Internetstiftelsen"],
        (datetime.date(2021, 9, 1), datetime.date(2022, 12, 15)),
        {2021: Decimal("350000"), 2022: Decimal("1100000")},
        [
            (Deliverable.Kind.GUIDANCE, "Demo: Vägledning om anslutning till Skolfederation", 120),
            (Deliverable.Kind.WEBINAR, "Demo: Webbinarium om federerad inloggning", 380),
        ],
    ),
]

# The current agreement's activities: title, initiatives, partners, start in months after the
# period's start, share of each funding year it is budgeted, share of that budget spent last
# year and so far this year, deliverables as above.
ACTIVITIES_CURRENT = [
    (
        "Demo: Stöd för anslutning till Skolfederation",
        [11],
        ["Internetstiftelsen"],
        1,
        Decimal("0.35"),
        (0.92, 0.61),
        [
            (Deliverable.Kind.WEBINAR, "Demo: Webbinarium om Skolfederation mini", 90),
            (Deliverable.Kind.GUIDANCE, "Demo: Steg för steg till federerad inloggning", 330),
        ],
    ),
    (
        "Demo: Utbildning i tjänstedesign för huvudmän",
        [12],
        ["Inera"],
        4,
        Decimal("0.25"),
        (0.78, 0.52),
        [
            (Deliverable.Kind.TRAINING, "Demo: Grundkurs i tjänstedesign, omgång 1", 120),
            (Deliverable.Kind.TRAINING, "Demo: Grundkurs i tjänstedesign, omgång 2", 400),
        ],
    ),
    (
        "Demo: Gemensam kravställning för lärplattformar",
        [13],
        ["SKL Kommentus"],
        9,
        Decimal("0.2"),
        (0.64, 0.38),
        [(Deliverable.Kind.NETWORK, "Demo: Referensgrupp för kravställning", 100)],
    ),
]
CATEGORIES = [
    (Cost.Category.PERSONNEL, 0.55),
    (Cost.Category.CONSULTANTS, 0.2),
    (Cost.Category.EVENTS, 0.15),
    (Cost.Category.LICENCES, 0.1),
]


def _users():
    """The programme officer and the lead write the programme's data, if their accounts exist."""
    users = get_user_model().objects.filter(username__in=["demo-personal", "demo-ledning"])
    found = {u.username: u for u in users}
    return found.get("demo-personal"), found.get("demo-ledning")


def _rng(*parts) -> random.Random:
    return random.Random(zlib.crc32("-".join(str(p) for p in parts).encode()))


def _activity(*, agreement, title, numbers, partners, status, planned, budgets, responsible):
    activity = Activity.objects.filter(agreement=agreement, title=title).first()
    if activity is not None:
        return activity, False
    with clock(at(planned[0] - day(21), 9, 40)):
        activity = services.activity_create(
            actor=responsible or ACTOR,
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


def _costs(activity, *, budgets, shares, start, until, actor):
    """Two to four costs per budget year, spending `shares[year]` of it, dated in the year."""
    rng = _rng(activity.title, "costs")
    for year, budget in sorted(budgets.items()):
        first = max(start, datetime.date(year, 1, 1))
        last = min(until, datetime.date(year, 12, 20))
        if last < first:
            continue
        total = budget * Decimal(str(shares[year]))
        count = rng.randint(2, 4)
        weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
        span = (last - first).days
        for index, weight in enumerate(weights):
            amount = (total * Decimal(weight / sum(weights))).quantize(Decimal("1"))
            amount -= amount % 50 if index % 2 else 0
            category = rng.choices(
                [c for c, _w in CATEGORIES], weights=[w for _c, w in CATEGORIES]
            )[0]
            incurred = first + day(round(span * (index + rng.uniform(0.2, 0.9)) / count))
            with clock(at(min(incurred + day(rng.randint(2, 9)), until), 14, rng.randint(0, 59))):
                services.cost_create(
                    actor=actor,
                    activity=activity,
                    fields={
                        "incurred_on": incurred,
                        "amount": amount,
                        "category": category,
                        "note": "Demonstrationsdata",
                    },
                )


def _follow_up(activity, *, planned, deliverables, principals, actor, today=None):
    """Milestones, deliverables and progress updates dated from the activity's start.

    With `today` the activity is still running: what lies ahead stays undone, one milestone
    is overdue and one is due soon.
    """
    start, end = planned
    rng = _rng(activity.title, "follow-up")
    done_until = today or end
    for offset, title in [(45, "Demo: Planering klar"), (200, "Demo: Första leveransen klar")]:
        due = start + day(offset)
        done = due if due <= done_until else None
        with clock(at(start - day(10), 11, 5)):
            services.milestone_create(
                actor=actor,
                activity=activity,
                fields={"title": title, "due_on": due, "completed_on": None},
            )
        if done is not None:
            milestone = activity.milestones.get(title=title)
            with clock(at(done + day(rng.randint(0, 3)), 15, 20)):
                services.milestone_update(
                    actor=actor, milestone=milestone, fields={"completed_on": done}
                )
    if today is not None:
        for due, title in [
            (today - day(5), "Demo: Uppföljning med huvudmännen"),
            (today + day(14), "Demo: Delrapport till programledningen"),
        ]:
            with clock(at(today - day(40), 10, 30)):
                services.milestone_create(
                    actor=actor, activity=activity, fields={"title": title, "due_on": due}
                )
    else:
        with clock(at(start - day(10), 11, 6)):
            services.milestone_create(
                actor=actor,
                activity=activity,
                fields={"title": "Demo: Slutrapport till programledningen", "due_on": end},
            )
        milestone = activity.milestones.get(title="Demo: Slutrapport till programledningen")
        with clock(at(end, 16, 10)):
            services.milestone_update(
                actor=actor, milestone=milestone, fields={"completed_on": end}
            )

    for index, (kind, title, offset) in enumerate(deliverables):
        delivered = start + day(offset)
        if delivered > done_until:
            continue
        reached = principals[index::2][: 3 + rng.randint(0, 6)]
        with clock(at(delivered + day(1), 13, rng.randint(0, 59))):
            services.deliverable_create(
                actor=actor,
                activity=activity,
                fields={
                    "kind": kind,
                    "title": title,
                    "delivered_on": delivered,
                    "participants": 20 * len(reached) + rng.randint(5, 90),
                    "description": NOTE,
                },
                principals=reached,
            )

    reports = [
        (40, "green", "Demo: Planeringen är klar och inbjudan har gått ut.", ""),
        (130, "amber", "Demo: Första leveransen är genomförd; färre anmälda än väntat.",
         "Demo: Få anmälda från mindre huvudmän."),
        (260, "green", "Demo: Fler huvudmän deltar sedan inbjudan gick via länen.", ""),
    ]  # fmt: skip
    for offset, rating, done, risks in reports:
        reported = start + day(offset)
        if reported > done_until:
            continue
        with clock(at(reported, 16, rng.randint(0, 59))):
            services.progress_update_create(
                actor=actor,
                activity=activity,
                fields={
                    "reported_on": reported,
                    "rating": rating,
                    "done": done,
                    "next_steps": "Demo: Sammanställa erfarenheter och planera nästa steg.",
                    "risks": risks,
                },
            )
    if today is None:
        with clock(at(end, 15, 45)):
            services.progress_update_create(
                actor=actor,
                activity=activity,
                fields={
                    "reported_on": end,
                    "rating": "green",
                    "done": "Demo: Insatsen är avslutad och erfarenheterna är sammanställda.",
                    "next_steps": "",
                    "risks": "",
                },
            )


def current_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The made-up current agreement runs from January last year to December next year."""
    return datetime.date(today.year - 1, 1, 1), datetime.date(today.year + 1, 12, 31)


def _current_agreement(today: datetime.date, actor) -> Agreement:
    agreement = Agreement.objects.filter(is_demo=True, title__startswith=CURRENT_TITLE).first()
    if agreement is not None:
        return agreement
    starts, ends = current_period(today)
    with clock(at(starts - day(40), 13, 15)):
        agreement = services.agreement_create(
            actor=actor,
            fields={
                "title": f"{CURRENT_TITLE} {starts.year}–{ends.year}",
                "signed_on": starts - day(45),
                "starts_on": starts,
                "ends_on": ends,
                "final_report_due": datetime.date(ends.year + 1, 2, 28),
                "description": "Demonstrationsdata: en påhittad överenskommelse, inte verklig.",
                "is_demo": True,
            },
            initiatives=Initiative.objects.filter(number__in=[11, 12, 13]),
        )
        for year, amount in zip(
            range(starts.year, ends.year + 1), ["3500000", "4500000", "4000000"], strict=True
        ):
            services.funding_year_create(
                actor=actor, agreement=agreement, year=year, allocated=Decimal(amount)
            )
    return agreement


def load(stdout) -> list[tuple[str, str]]:
    today = datetime.date.today()
    with clock(at(datetime.date(2020, 11, 18), 9, 30)):
        agreement, _created = data_2020.load()
    officer, lead = _users()
    actor = officer or ACTOR
    principals = list(Principal.objects.filter(is_demo=True).order_by("pk")[:40])
    for title, numbers, partners, planned, budgets, deliverables in ACTIVITIES_2020:
        activity, created = _activity(
            agreement=agreement,
            title=title,
            numbers=numbers,
            partners=partners,
            status=Activity.Status.COMPLETED,
            planned=planned,
            budgets=budgets,
            responsible=officer,
        )
        if created:
            rng = _rng(title, "shares")
            _costs(
                activity,
                budgets=budgets,
                shares={year: rng.uniform(0.72, 0.99) for year in budgets},
                start=planned[0],
                until=planned[1],
                actor=actor,
            )
            _follow_up(
                activity,
                planned=planned,
                deliverables=deliverables,
                principals=principals,
                actor=actor,
            )

    current = _current_agreement(today, lead or ACTOR)
    years = sorted(current.funding_years.values_list("year", "allocated"))
    for title, numbers, partners, months, part, spent, deliverables in ACTIVITIES_CURRENT:
        start = current.starts_on + day(30 * months + 14)
        if start > today - day(60):
            continue
        planned = (start, current.ends_on - day(30))
        budgets = {year: (allocated * part).quantize(Decimal("1000")) for year, allocated in years}
        activity, created = _activity(
            agreement=current,
            title=title,
            numbers=numbers,
            partners=partners,
            status=Activity.Status.ONGOING,
            planned=planned,
            budgets=budgets,
            responsible=officer,
        )
        if created:
            shares = dict(zip([y for y, _a in years[:2]], spent, strict=True))
            _costs(
                activity,
                budgets={y: b for y, b in budgets.items() if y in shares},
                shares=shares,
                start=start,
                until=today - day(3),
                actor=actor,
            )
            _follow_up(
                activity,
                planned=planned,
                deliverables=deliverables,
                principals=principals[10:],
                actor=actor,
                today=today,
            )
    stdout.write("Överenskommelser och demoinsatser inlästa.")
    return []
