import datetime
from decimal import Decimal

import pytest

from readiness.services import framework_load_default
from tests.agreement.factories import (
    ActivityFactory,
    AgreementFactory,
    CommitmentFactory,
    CostFactory,
    DeliverableFactory,
    FundingYearFactory,
    InitiativeFactory,
    MilestoneFactory,
    PartnerFactory,
    ProgressUpdateFactory,
)
from tests.readiness.factories import ReportingRoundFactory


@pytest.fixture
def programme(db, staff):
    """An agreement like the 2020 one with one of each programme record."""
    agreement = AgreementFactory(
        title="Testöverenskommelsen",
        signed_on=datetime.date(2020, 11, 13),
        starts_on=datetime.date(2020, 11, 13),
        ends_on=datetime.date(2022, 12, 31),
        final_report_due=datetime.date(2023, 2, 28),
    )
    years = {
        year: FundingYearFactory(agreement=agreement, year=year, allocated=Decimal(amount))
        for year, amount in [(2020, "2500000"), (2021, "5000000"), (2022, "5000000")]
    }
    initiatives = [InitiativeFactory(number=n) for n in (11, 12, 13)]
    agreement.initiatives.set(initiatives)
    activity = ActivityFactory(agreement=agreement, initiatives=initiatives[:1], responsible=staff)
    return {
        "agreement": agreement,
        "fundingyear": years[2021],
        "initiative": initiatives[0],
        "commitment": CommitmentFactory(agreement=agreement),
        "partner": PartnerFactory(),
        "activity": activity,
        "milestone": MilestoneFactory(activity=activity),
        "deliverable": DeliverableFactory(activity=activity),
        "cost": CostFactory(activity=activity),
        "progressupdate": ProgressUpdateFactory(activity=activity),
    }


@pytest.fixture
def framework(db):
    return framework_load_default(actor="test")[0]


@pytest.fixture
def open_round(framework):
    return ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
