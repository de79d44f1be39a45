"""Factories and hand-made data sets for the reporting tests (dashboards and final report)."""

import datetime
from dataclasses import dataclass, field

from principals.models import County, Municipality, Principal
from readiness import tally
from readiness.models import Assessment, Indicator, ReportingRound
from tests.principals.factories import PrincipalFactory
from tests.readiness.factories import (
    AreaFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    submitted_version,
)

Types = Indicator.AnswerType


def small_framework():
    """Five indicators, one of each kind the dashboards treat differently; idp and mfa are DNP."""
    framework = FrameworkVersionFactory(name="Testramverk")
    area = AreaFactory(framework=framework, title="Inloggning", order=1)
    choices = [
        {"value": "none", "label": "Ingen"},
        {"value": "own", "label": "Egen drift"},
        {"value": "service", "label": "Som tjänst"},
    ]
    indicators = {
        "idp": IndicatorFactory(
            area=area,
            code="idp",
            question="Inloggningstjänst?",
            answer_type=Types.SINGLE_CHOICE,
            choices=choices,
            achieved_values=["own", "service"],
            tags=["DNP"],
            order=1,
        ),
        "mfa": IndicatorFactory(
            area=area,
            code="mfa",
            question="Tvåfaktor?",
            answer_type=Types.RATING,
            tags=["DNP"],
            order=2,
        ),
        "fed": IndicatorFactory(
            area=area,
            code="fed",
            question="Federationer?",
            answer_type=Types.MULTI_CHOICE,
            choices=[
                {"value": "sf", "label": "Skolfederation"},
                {"value": "mini", "label": "Skolfederation mini"},
                {"value": "none", "label": "Ingen"},
            ],
            achieved_values=["sf", "mini"],
            required=False,
            order=3,
        ),
        "share": IndicatorFactory(
            area=area,
            code="staff-eid-share",
            question="Andel personal med e-legitimation?",
            answer_type=Types.PERCENTAGE,
            required=False,
            order=4,
        ),
        "count": IndicatorFactory(
            area=area,
            code="staff-count",
            question="Antal anställda?",
            answer_type=Types.INTEGER,
            required=False,
            order=5,
        ),
    }
    return framework, indicators


def submit(principal, reporting_round, answers: dict, state=Assessment.State.SUBMITTED):
    """A submitted (or, with `state`, returned) assessment with these {code: value} answers."""
    assessment = Assessment.objects.create(principal=principal, round=reporting_round)
    submitted_version(
        assessment, {code: {"value": v, "comment": ""} for code, v in answers.items()}
    )
    if state != Assessment.State.SUBMITTED:
        Assessment.objects.filter(pk=assessment.pk).update(state=state)
        tally.sync(Assessment.objects.filter(pk=assessment.pk))  # as assessment_return does
    return assessment


def principals(n: int, **kwargs) -> list[Principal]:
    return [PrincipalFactory(**kwargs) for _ in range(n)]


@dataclass
class ReadinessDataset:
    """The hand-made national data set; the expected figures are worked out in test_aggregates."""

    framework: object
    indicators: dict
    earlier: ReportingRound
    main: ReportingRound
    open: ReportingRound
    kommuner: list = field(default_factory=list)
    enskilda: list = field(default_factory=list)
    regioner: list = field(default_factory=list)


def readiness_dataset(today: datetime.date | None = None) -> ReadinessDataset:
    """15 municipalities and 2 regions in Stockholm county, 6 small independents in Skåne.

    Main round (closed): 10 municipalities, 6 independents and 2 regions submitted; a
    returned municipality and an inactive organiser's submission do not count.
    """
    today = today or datetime.date.today()
    framework, ind = small_framework()
    day = datetime.timedelta(days=1)
    earlier = ReportingRound.objects.create(
        name="Våren",
        opens_on=today - 200 * day,
        closes_on=today - 170 * day,
        framework_version=framework,
    )
    main = ReportingRound.objects.create(
        name="Hösten",
        opens_on=today - 60 * day,
        closes_on=today - 30 * day,
        framework_version=framework,
    )
    open_round = ReportingRound.objects.create(
        name="Nu", opens_on=today - 5 * day, closes_on=today + 20 * day, framework_version=framework
    )
    stockholm = County.objects.get(code="01")
    skane = County.objects.get(code="12")
    malmo = Municipality.objects.get(code="1280")
    kommuner = principals(15, organiser_type=Principal.OrganiserType.KOMMUN, county=stockholm)
    regioner = principals(2, organiser_type=Principal.OrganiserType.REGION, county=stockholm)
    enskilda = principals(
        6,
        organiser_type=Principal.OrganiserType.ENSKILD,
        county=skane,
        pupils=50,
        municipalities=[malmo],
    )
    inactive = PrincipalFactory(
        organiser_type=Principal.OrganiserType.KOMMUN,
        county=stockholm,
        status=Principal.Status.INACTIVE,
    )
    codes = {k: v.code for k, v in ind.items()}

    def answers(idp, mfa, fed=None, share=None, count=None):
        values = {codes["idp"]: idp, codes["mfa"]: mfa}
        if fed is not None:
            values[codes["fed"]] = fed
        if share is not None:
            values[codes["share"]] = share
        if count is not None:
            values[codes["count"]] = count
        return values

    k = kommuner
    for i in range(5):  # K1–K5: ready
        fed = ["sf", "mini"] if i < 4 else ["sf"]
        submit(k[i], main, answers("own", "achieved", fed, 100, [10, 20, None, None, None][i]))
    submit(k[5], main, answers("own", "almost", ["sf"], 100))
    submit(k[6], main, answers("service", "almost", ["sf"], 50))
    submit(k[7], main, answers("service", "almost", ["sf"], 50))
    submit(k[8], main, answers("none", "not_relevant", ["sf"], 50))
    submit(k[9], main, answers("none", "not_relevant", ["sf"], 50))
    submit(k[10], main, answers("own", "achieved"), state=Assessment.State.RETURNED)
    submit(inactive, main, answers("own", "achieved"))
    e = enskilda
    submit(e[0], main, answers("service", "not_relevant", ["none"], 10))
    for i in range(1, 5):
        submit(e[i], main, answers("service", "not_relevant", None, 10))
    submit(e[5], main, answers("none", "achieved", None, 10))
    submit(regioner[0], main, answers("own", "achieved", None, 80))
    submit(regioner[1], main, answers("own", "started"))
    # The earlier round: five municipalities ready, five independents without a login service.
    for i in range(5):
        submit(k[i], earlier, answers("own", "achieved"))
        submit(e[i], earlier, answers("none", "achieved"))
    return ReadinessDataset(
        framework=framework,
        indicators=ind,
        earlier=earlier,
        main=main,
        open=open_round,
        kommuner=kommuner,
        enskilda=enskilda,
        regioner=regioner,
    )


# ---------------------------------------------------------------- final report


# The final report uses the rounds that open in the agreement's period (2020-11-13–2022-12-31):
# a closed round inside it, and a `today` from which readiness_dataset's two closed rounds open
# inside it and its open round after it.
ROUND_IN_PERIOD = (datetime.date(2022, 9, 1), datetime.date(2022, 10, 31))
ROUNDS_IN_PERIOD_FROM = datetime.date(2023, 1, 20)


def report_agreement():
    """An agreement like the 2020 one with one completed activity per initiative, costs in every
    funding year and a deliverable that reached two organisers (one public, one private)."""
    from decimal import Decimal

    from agreement.models import Activity, Cost, Deliverable
    from tests.agreement.factories import (
        ActivityFactory,
        AgreementFactory,
        CostFactory,
        DeliverableFactory,
        FundingYearFactory,
        InitiativeFactory,
        MilestoneFactory,
        PartnerFactory,
    )

    agreement = AgreementFactory(
        title="Överenskommelsen om skolans digitalisering",
        signed_on=datetime.date(2020, 11, 13),
        starts_on=datetime.date(2020, 11, 13),
        ends_on=datetime.date(2022, 12, 31),
        final_report_due=datetime.date(2023, 2, 28),
    )
    for year, amount in [(2020, "2500000"), (2021, "5000000"), (2022, "5000000")]:
        FundingYearFactory(agreement=agreement, year=year, allocated=Decimal(amount))
    initiatives = [InitiativeFactory(number=n, title=f"Insats nummer {n}") for n in (11, 12, 13)]
    agreement.initiatives.set(initiatives)
    partner = PartnerFactory(name="Inera")
    activities = []
    for initiative in initiatives:
        activity = ActivityFactory(
            agreement=agreement,
            title=f"Aktivitet för insats {initiative.number}",
            status=Activity.Status.COMPLETED,
            initiatives=[initiative],
        )
        activity.partners.set([partner])
        MilestoneFactory(activity=activity, completed_on=datetime.date(2021, 5, 30))
        activities.append(activity)
    CostFactory(
        activity=activities[0],
        incurred_on=datetime.date(2020, 12, 1),
        amount=Decimal("123456"),
        category=Cost.Category.PERSONNEL,
    )
    CostFactory(
        activity=activities[1],
        incurred_on=datetime.date(2021, 6, 1),
        amount=Decimal("2345678"),
        category=Cost.Category.CONSULTANTS,
    )
    CostFactory(
        activity=activities[2],
        incurred_on=datetime.date(2022, 9, 1),
        amount=Decimal("3456789"),
        category=Cost.Category.EVENTS,
    )
    public = PrincipalFactory(
        name="Exempelby kommun", organiser_type=Principal.OrganiserType.KOMMUN
    )
    private = PrincipalFactory(
        name="Hemliga Skolan AB", organiser_type=Principal.OrganiserType.ENSKILD
    )
    DeliverableFactory(
        activity=activities[0],
        kind=Deliverable.Kind.WEBINAR,
        title="Webbinarium om e-legitimation",
        participants=187,
        principals=[public, private],
    )
    return agreement


def write_all_sections(report, text: str = "Skrivet avsnitt.") -> None:
    report.sections.update(body=text)


def approve(report, staff, lead):
    """Sections written, reviewed by staff and approved by the programme lead: submittable."""
    from reporting.final_report import services
    from reporting.models import FinalReport

    write_all_sections(report)
    for actor, state in ((staff, FinalReport.State.IN_REVIEW), (lead, FinalReport.State.APPROVED)):
        services.report_transition(
            report=report, actor=actor, to_state=state, seen_version=report.version
        )
        report.refresh_from_db()
    return report


def publish_closed(actor: str = "test") -> list:
    """Publish every closed round, as `manage.py publish_rounds` does."""
    from reporting.publication import publication_create, rounds_to_publish

    return [publication_create(reporting_round=r, actor=actor) for r in rounds_to_publish()]
