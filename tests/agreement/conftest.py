import datetime
from decimal import Decimal

import pytest

from tests.agreement.factories import AgreementFactory, FundingYearFactory, InitiativeFactory


@pytest.fixture
def agreement(db):
    """An agreement like the 2020 one: 2020–2022, 2.5 / 5 / 5 MSEK, initiatives 11–13."""
    agreement = AgreementFactory(
        title="Testöverenskommelsen",
        signed_on=datetime.date(2020, 11, 13),
        starts_on=datetime.date(2020, 11, 13),
        ends_on=datetime.date(2022, 12, 31),
        final_report_due=datetime.date(2023, 2, 28),
    )
    for year, amount in [(2020, "2500000"), (2021, "5000000"), (2022, "5000000")]:
        FundingYearFactory(agreement=agreement, year=year, allocated=Decimal(amount))
    agreement.initiatives.set([InitiativeFactory(number=n) for n in (11, 12, 13)])
    return agreement
