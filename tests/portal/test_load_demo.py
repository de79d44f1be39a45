"""The whole demo: a timeline a real programme could have, written at plausible times, twice."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from agreement import data_2020
from agreement.models import Activity, Agreement, Cost
from portal.models import AuditEvent
from principals.models import Membership
from readiness.models import Assessment, AssessmentVersion, ReportingRound
from reporting.final_report import content as final_report
from reporting.final_report import services
from reporting.models import FinalReport, RoundPublication

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.managed
        and m._meta.app_label in {"agreement", "principals", "readiness", "reporting", "portal"}
    }


def test_load_demo_builds_a_plausible_timeline_and_is_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    today = timezone.localdate()

    # The 2020 agreement: its own rounds in 2021 and 2022, closed and published.
    old = Agreement.objects.get(title=data_2020.AGREEMENT["title"])
    own = list(final_report.rounds_of(old).order_by("opens_on"))
    assert [r.name for r in own] == [
        "Uppföljning hösten 2021 (demo)",
        "Uppföljning hösten 2022 (demo)",
    ]
    assert all(r.status == ReportingRound.Status.CLOSED and r.published_at for r in own)
    assert [r.published_at.date() for r in own] == [
        datetime.date(2021, 11, 18),
        datetime.date(2022, 11, 18),
    ]

    # Its final report was submitted by the real service on 24 February 2023, frozen and marked.
    report = FinalReport.objects.get(agreement=old)
    assert report.state == FinalReport.State.SUBMITTED
    frozen = report.submitted
    assert timezone.localtime(frozen.submitted_at).date() == datetime.date(2023, 2, 24)
    assert frozen.checksums_match() and frozen.pdf.startswith(b"%PDF")
    assert "Demonstrationsdata" in frozen.html
    assert "Uppföljning hösten 2022 (demo)" in frozen.html
    assert "hösten 2025" not in frozen.html and str(today.year) not in frozen.snapshot_json
    assert old.reported_on == datetime.date(2023, 2, 24)
    assert old.status == Agreement.Status.REPORTED
    events = AuditEvent.objects.for_object(report).order_by("occurred_at")
    assert events.first().action == "created"
    assert timezone.localtime(events.first().occurred_at).date() == datetime.date(2023, 1, 16)
    assert events.last().action == "submitted"
    assert timezone.localtime(events.last().occurred_at).date() == datetime.date(2023, 2, 24)
    assert {timezone.localtime(e.occurred_at).year for e in events} == {2023}

    # Its activities were written when they happened, with costs that differ by activity and year.
    activities = list(Activity.objects.filter(agreement=old))
    assert len(activities) == 4
    assert all(a.status == Activity.Status.COMPLETED for a in activities)
    assert all(a.created_at.year in (2020, 2021) for a in activities)
    costs = Cost.objects.filter(activity__agreement=old)
    assert set(costs.values_list("incurred_on__year", flat=True)) == {2020, 2021, 2022}
    assert costs.values("amount").distinct().count() == costs.count() > 20
    spent = {a.pk: sum(c.amount for c in a.costs.all()) for a in activities}
    assert len(set(spent.values())) == len(activities)
    assert all(
        timezone.localtime(e.occurred_at).year <= 2022
        for e in AuditEvent.objects.filter(
            content_type__model="cost", object_id__in=[str(c.pk) for c in costs]
        )
    )

    # The current demo agreement runs now, with an open round that blocks only its own report.
    current = Agreement.objects.get(is_demo=True)
    assert current.title.startswith("Demo:")
    assert current.starts_on <= today <= current.ends_on
    assert current.status == Agreement.Status.ACTIVE
    open_rounds = [r for r in final_report.rounds_of(current) if r.is_open]
    assert len(open_rounds) == 1
    assert not any(r.is_open for r in own)
    draft = FinalReport.objects.get(agreement=current)
    assert draft.state == FinalReport.State.DRAFT
    checks = services.report_checklist(draft)
    assert open_rounds[0].name in checks[3].problems[0]
    assert Activity.objects.filter(agreement=current, status=Activity.Status.ONGOING).count() == 3
    assert (
        Activity.objects.filter(agreement=current)
        .with_overdue_count()
        .filter(overdue_milestones__gt=0)
    )

    # Organisers have users, and answers were saved over time, not all now.
    assert Membership.objects.values("principal").distinct().count() >= 2
    drafts = Assessment.objects.filter(round=open_rounds[0], state=Assessment.State.DRAFT)
    assert drafts.exists()
    assert len({timezone.localtime(a.updated_at).date() for a in drafts}) > 3
    assert all(timezone.localtime(a.updated_at).date() < timezone.localdate() for a in drafts)
    for r in own:
        times = AssessmentVersion.objects.filter(assessment__round=r).values_list(
            "created_at", flat=True
        )
        assert times and all(r.opens_on <= t.date() <= r.closes_on for t in times)
    # The demo publishes every closed round (and only those), as the nightly command would.
    closed = [r for r in ReportingRound.objects.all() if r.status == ReportingRound.Status.CLOSED]
    assert len(closed) == 3 and all(r.published_at for r in closed)
    assert RoundPublication.objects.count() == len(closed)

    first = counts()
    events = AuditEvent.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
    assert AuditEvent.objects.count() == events
