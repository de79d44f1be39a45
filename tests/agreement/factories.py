import datetime
from decimal import Decimal

import factory

from agreement.models import (
    Activity,
    ActivityBudget,
    Agreement,
    Commitment,
    Cost,
    Deliverable,
    FundingYear,
    Initiative,
    Milestone,
    Partner,
    ProgressUpdate,
)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Överenskommelse {n}")
    signed_on = datetime.date(2020, 11, 13)
    starts_on = datetime.date(2020, 11, 13)
    ends_on = datetime.date(2022, 12, 31)
    final_report_due = datetime.date(2023, 2, 28)


class FundingYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingYear
        django_get_or_create = ("agreement", "year")

    agreement = factory.SubFactory(AgreementFactory)
    year = 2021
    allocated = Decimal("5000000")


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n % 18 + 1)
    title = factory.LazyAttribute(lambda o: f"Initiativ {o.number}")


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Åtagande {n}")
    text = "Text"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Insats {n}")
    planned_start = datetime.date(2021, 1, 1)
    planned_end = datetime.date(2021, 12, 31)
    status = Activity.Status.ONGOING

    @factory.post_generation
    def initiatives(self, create, extracted, **kwargs):
        if create and extracted:
            self.initiatives.set(extracted)


class ActivityBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityBudget

    activity = factory.SubFactory(ActivityFactory)
    funding_year = factory.LazyAttribute(
        lambda o: FundingYearFactory(agreement=o.activity.agreement, year=2021)
    )
    amount = Decimal("100000")


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    activity = factory.SubFactory(ActivityFactory)
    title = factory.Sequence(lambda n: f"Delmål {n}")
    due_on = datetime.date(2021, 6, 1)


class DeliverableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliverable
        skip_postgeneration_save = True

    activity = factory.SubFactory(ActivityFactory)
    kind = Deliverable.Kind.WEBINAR
    title = factory.Sequence(lambda n: f"Webbinarium {n}")
    delivered_on = datetime.date(2021, 5, 1)
    participants = 40

    @factory.post_generation
    def principals(self, create, extracted, **kwargs):
        if create and extracted:
            self.principals.set(extracted)


class CostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cost

    activity = factory.SubFactory(ActivityFactory)
    incurred_on = datetime.date(2021, 3, 1)
    amount = Decimal("10000")
    category = Cost.Category.CONSULTANTS


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    activity = factory.SubFactory(ActivityFactory)
    reported_on = datetime.date(2021, 4, 1)
    rating = "green"
    done = "Arbete utfört"
