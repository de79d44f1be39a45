import datetime

import factory
from django.utils import timezone

from readiness import tally
from readiness.models import (
    Area,
    Assessment,
    AssessmentVersion,
    FrameworkVersion,
    Indicator,
    ReportingRound,
)


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkVersion

    name = factory.Sequence(lambda n: f"Ramverk {n}")
    status = FrameworkVersion.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    framework = factory.SubFactory(FrameworkVersionFactory)
    title = factory.Sequence(lambda n: f"Område {n}")
    order = factory.Sequence(lambda n: n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    area = factory.SubFactory(AreaFactory)
    framework = factory.LazyAttribute(lambda o: o.area.framework)
    code = factory.Sequence(lambda n: f"ind-{n}")
    question = factory.Sequence(lambda n: f"Fråga {n}?")
    help_text = "Gör så här."
    answer_type = Indicator.AnswerType.RATING
    required = True
    initiative = 11
    order = factory.Sequence(lambda n: n)


class ReportingRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingRound

    name = factory.Sequence(lambda n: f"Omgång {n}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=20))
    framework_version = factory.SubFactory(FrameworkVersionFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    round = factory.SubFactory(ReportingRoundFactory)


def submitted_version(assessment, answers, number=1, user=None):
    version = AssessmentVersion.objects.create(
        assessment=assessment,
        number=number,
        kind=AssessmentVersion.Kind.SUBMITTED,
        framework_version=assessment.round.framework_version,
        answers=answers,
        created_by=user,
        created_by_label=user.username if user else "test",
    )
    assessment.current = version
    assessment.state = Assessment.State.SUBMITTED
    assessment.save()
    tally.sync(Assessment.objects.filter(pk=assessment.pk))  # as assessment_submit does
    return version
