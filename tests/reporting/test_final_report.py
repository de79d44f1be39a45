"""The final report: sections, checklist, workflow and who may move it, the freeze, sanitising."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreement.models import Activity, Agreement
from portal.audit import changes_shown
from portal.models import AuditEvent, Job, OutgoingMail
from readiness.models import ReportingRound
from reporting.final_report import content as final_report
from reporting.final_report import render, services
from reporting.models import FinalReport, ReportReminder, SubmittedReport, sha256
from tests.agreement.factories import ActivityFactory, CostFactory
from tests.readiness.factories import ReportingRoundFactory

from .factories import approve, report_agreement, write_all_sections

State = FinalReport.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(db):
    return report_agreement()


@pytest.fixture
def report(agreement, staff):
    return services.report_create(agreement=agreement, actor=staff)


def ready(report):
    """Everything the checklist asks for is in place."""
    write_all_sections(report)
    return report


def move(client, report, to):
    report.refresh_from_db()
    return client.post(
        reverse("reporting:report-transition", args=[report.pk]),
        {"to": to, "version": report.version},
    )


def submit(client, report):
    report.refresh_from_db()
    return client.post(
        reverse("reporting:report-submit", args=[report.pk]), {"version": report.version}
    )


def test_new_report_has_the_sections_in_order_with_swedish_headings(report):
    titles = list(
        report.sections.filter(initiative__isnull=True)
        .order_by("order")
        .values_list("title", flat=True)
    )
    assert titles == [
        "Sammanfattning",
        "Uppdraget",
        "Genomförande",
        "Resultat",
        "Ekonomisk redovisning",
        "Slutsatser och rekommendationer",
        "Bilagor",
    ]
    assert report.sections.filter(initiative__isnull=False).count() == 3
    assert AuditEvent.objects.for_object(report).filter(action="created").count() == 1


def test_starting_twice_returns_the_same_report(agreement, staff, login):
    client = login(staff)
    url = reverse("reporting:report-create", args=[agreement.pk])
    client.post(url)
    client.post(url)
    assert FinalReport.objects.filter(agreement=agreement).count() == 1


# ---------------------------------------------------------------- checklist


def test_checklist_lists_what_blocks_and_passes_when_done(report, agreement):
    checks = services.report_checklist(report)
    assert [c.ok for c in checks] == [False, True, True, True]
    assert "Sammanfattning" in checks[0].problems
    assert "Uppdraget" not in checks[0].problems  # generated, text optional

    ongoing = ActivityFactory(agreement=agreement, title="Pågående", status="ongoing")
    agreement.funding_years.create(year=2023, allocated=Decimal("1000"))
    ReportingRoundFactory(name="Öppen omgång i perioden", opens_on=agreement.ends_on)
    write_all_sections(report)
    checks = services.report_checklist(report)
    assert [c.ok for c in checks] == [True, False, False, False]
    assert checks[1].problems == ["Pågående"]
    assert checks[2].problems == ["2023"]
    assert checks[3].problems == [
        f"Öppen omgång i perioden stänger {ReportingRound.objects.get().closes_on.isoformat()}"
    ]

    Activity.objects.filter(pk=ongoing.pk).update(status="cancelled")
    CostFactory(activity=ongoing, incurred_on=datetime.date(2023, 1, 10))
    ReportingRound.objects.update(closed_at=timezone.now())
    assert all(c.ok for c in services.report_checklist(report))


def test_checklist_shown_on_the_page(report, staff, login):
    response = login(staff).get(report.get_absolute_url())
    assert response.status_code == 200
    assert "Innan redovisningen lämnas in" in response.content.decode()
    assert "Sammanfattning" in response.content.decode()


# ---------------------------------------------------------------- workflow and roles


def test_full_workflow_with_the_right_roles(report, staff, lead, client):
    ready(report)
    client.force_login(staff)
    assert move(client, report, State.IN_REVIEW).status_code == 302
    report.refresh_from_db()
    assert report.state == State.IN_REVIEW
    assert move(client, report, State.APPROVED).status_code == 403
    assert submit(client, report).status_code == 403
    client.force_login(lead)
    move(client, report, State.APPROVED)
    report.refresh_from_db()
    assert report.state == State.APPROVED
    response = submit(client, report)
    # The freeze is a job (run at once in tests); its result is the report's page.
    job = Job.objects.get(kind=services.SUBMIT_JOB)
    assert response["Location"] == reverse("portal:job-detail", args=[job.pk])
    assert (job.status, job.result_url) == (Job.Status.DONE, report.get_absolute_url())
    report.refresh_from_db()
    assert report.state == State.SUBMITTED
    events = AuditEvent.objects.for_object(report).order_by("pk")
    assert [(e.action, e.actor_id) for e in events] == [
        ("created", staff.pk),
        ("status_changed", staff.pk),
        ("status_changed", lead.pk),
        ("submitted", lead.pk),
        # The archival package is queued with the freeze and made (tests/reporting/test_archive.py).
        ("changed", lead.pk),
        ("archived", lead.pk),
    ]
    # The history stores the raw values and shows them in the reader's language.
    assert events[1].changes["state"] == ["draft", "in_review"]
    assert events[3].changes["state"] == ["approved", "submitted"]
    shown = changes_shown(FinalReport, events[1].changes)
    assert ("läge", "Utkast", "Under granskning") in [
        (str(label).lower(), old, new) for label, old, new in shown
    ]
    report.agreement.refresh_from_db()
    assert report.agreement.status == Agreement.Status.REPORTED


def test_review_can_go_back_to_draft_and_only_the_lead_reopens_an_approval(
    report, staff, lead, client
):
    client.force_login(staff)
    move(client, report, State.IN_REVIEW)
    move(client, report, State.DRAFT)
    report.refresh_from_db()
    assert report.state == State.DRAFT
    services.report_transition(
        report=report, actor=staff, to_state=State.IN_REVIEW, seen_version=report.version
    )
    report.refresh_from_db()
    services.report_transition(
        report=report, actor=lead, to_state=State.APPROVED, seen_version=report.version
    )
    assert move(client, report, State.DRAFT).status_code == 403
    client.force_login(lead)
    move(client, report, State.DRAFT)
    report.refresh_from_db()
    assert report.state == State.DRAFT


def test_skipping_a_step_is_refused(report, lead, client):
    client.force_login(lead)
    move(client, report, State.APPROVED)
    report.refresh_from_db()
    assert report.state == State.DRAFT
    response = move(client, report, State.SUBMITTED)
    assert report.state == State.DRAFT
    assert response.status_code == 302


def test_stale_version_is_refused(report, staff):
    with pytest.raises(
        ValidationError, match="Någon annan har ändrat redovisningens status under tiden"
    ):
        services.report_transition(
            report=report, actor=staff, to_state=State.IN_REVIEW, seen_version=report.version - 1
        )


@pytest.mark.parametrize("who", ["government", "editor_a", "reader_a"])
def test_others_get_403_everywhere(report, request, who, login):
    client = login(request.getfixturevalue(who))
    for name in ("report-list",):
        assert client.get(reverse(f"reporting:{name}")).status_code == 403
    for name in ("report-detail", "report-preview", "report-pdf", "report-xlsx"):
        assert client.get(reverse(f"reporting:{name}", args=[report.pk])).status_code == 403
    assert move(client, report, State.IN_REVIEW).status_code == 403
    assert submit(client, report).status_code == 403


def test_anonymous_goes_to_login(report, client):
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302
    assert "/konto/logga-in/" in response["Location"]


def test_submission_blocked_by_the_checklist(report, staff, lead, client):
    services.report_transition(
        report=report, actor=staff, to_state=State.IN_REVIEW, seen_version=report.version
    )
    report.refresh_from_db()
    services.report_transition(
        report=report, actor=lead, to_state=State.APPROVED, seen_version=report.version
    )
    client.force_login(lead)
    response = submit(client, report)
    report.refresh_from_db()
    assert report.state == State.APPROVED
    assert not SubmittedReport.objects.exists()
    assert not Job.objects.exists()  # refused before any job started
    page = client.get(response["Location"]).content.decode()
    assert "kan inte lämnas in ännu" in page


# ---------------------------------------------------------------- sections


def test_staff_write_a_section_and_see_it_in_the_preview(report, staff, login):
    client = login(staff)
    section = report.sections.get(key="summary")
    response = client.post(
        reverse("reporting:section-update", args=[report.pk, section.pk]),
        {"title": "Sammanfattning", "body": "## Viktigast\n\n- **Alla** huvudmän", "version": 1},
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.version == 2
    preview = client.get(reverse("reporting:report-preview", args=[report.pk])).content.decode()
    assert "<h3>Viktigast</h3>" in preview  # the section is h2, its own headings start at h3
    assert "<strong>Alla</strong>" in preview


def test_a_stale_section_save_is_refused_and_shows_the_other_text(report, staff, login):
    client = login(staff)
    section = report.sections.get(key="summary")
    url = reverse("reporting:section-update", args=[report.pk, section.pk])
    client.post(url, {"title": "Sammanfattning", "body": "Först", "version": 1})
    response = client.post(url, {"title": "Sammanfattning", "body": "Sen", "version": 1})
    assert response.status_code == 200
    assert "Först" in response.content.decode()
    section.refresh_from_db()
    assert section.body == "Först"


def test_sections_can_be_added_moved_and_removed(report, staff, login):
    client = login(staff)
    client.post(reverse("reporting:section-create", args=[report.pk]), {"title": "Tack"})
    added = report.sections.get(title="Tack")
    top = list(report.sections.filter(initiative__isnull=True).order_by("order"))
    assert [s.title for s in top][-2:] == ["Tack", "Bilagor"]
    client.post(reverse("reporting:section-move", args=[report.pk, added.pk]), {"direction": "up"})
    top = list(report.sections.filter(initiative__isnull=True).order_by("order"))
    assert [s.title for s in top][-3:] == ["Tack", "Slutsatser och rekommendationer", "Bilagor"]
    summary = report.sections.get(key="summary")
    client.post(reverse("reporting:section-delete", args=[report.pk, summary.pk]))
    assert report.sections.filter(key="summary").exists()
    client.post(reverse("reporting:section-delete", args=[report.pk, added.pk]))
    assert not report.sections.filter(title="Tack").exists()


def test_text_cannot_change_outside_draft(report, staff):
    services.report_transition(
        report=report, actor=staff, to_state=State.IN_REVIEW, seen_version=report.version
    )
    section = report.sections.get(key="summary")
    with pytest.raises(ValidationError, match="Redovisningen kan bara ändras som utkast"):
        services.section_update(
            section=section, actor=staff, title="X", body="Y", seen_version=section.version
        )


# ---------------------------------------------------------------- sanitising


EVIL = (
    "Hej <script>alert('x')</script>\n\n"
    '<img src=x onerror="alert(1)">\n\n'
    "[klicka](javascript:alert(1)) och [SKR](https://skr.se)"
)


def test_script_in_narrative_never_reaches_any_output(report, staff, login):
    section = report.sections.get(key="summary")
    services.section_update(
        section=section, actor=staff, title=section.title, body=EVIL, seen_version=1
    )
    client = login(staff)
    preview = client.get(reverse("reporting:report-preview", args=[report.pk])).content.decode()
    document = render.render_document(final_report.build(report))
    for html in (preview, document):
        assert "alert" not in html
        assert "onerror" not in html
        assert "javascript:" not in html
        assert 'href="https://skr.se"' in html


def test_render_markdown_keeps_light_formatting():
    html = final_report.render_markdown("# Rubrik\n\n*kursiv* och 1. lista", heading_level=3)
    assert html.startswith("<h3>Rubrik</h3>")
    assert "<em>kursiv</em>" in html
    nested = final_report.render_markdown("## A\n\n#### B\n\n## C", heading_level=4)
    assert nested == "<h4>A</h4>\n<h5>B</h5>\n<h4>C</h4>"


# ---------------------------------------------------------------- the freeze


def test_submission_freezes_files_and_later_changes_do_not_touch_them(
    report, agreement, staff, lead, login
):
    approve(report, staff, lead)
    frozen = services.report_submit(report=report, actor=lead, seen_version=report.version)
    stored = SubmittedReport.objects.get(pk=frozen.pk)
    before = (stored.html, bytes(stored.pdf), stored.snapshot_json, bytes(stored.xlsx))
    sums = (stored.html_sha256, stored.pdf_sha256, stored.snapshot_sha256, stored.xlsx_sha256)
    assert sums == tuple(sha256(part) for part in before)
    assert "inte den inlämnade versionen" not in stored.html
    assert json.loads(stored.snapshot_json)["tables"]["funding"]["footer"] == [
        "Totalt",
        "12500000.00",
    ]

    activity = agreement.activities.first()
    CostFactory(activity=activity, incurred_on=datetime.date(2021, 2, 1), amount=Decimal("1000"))
    agreement.funding_years.filter(year=2022).update(allocated=Decimal("6000000"))
    with pytest.raises(ValidationError, match="En inlämnad redovisning kan inte ändras"):
        SubmittedReport.objects.filter(pk=stored.pk).update(html="x")
    with pytest.raises(ValidationError, match="En inlämnad redovisning kan inte ändras"):
        stored.save()
    with pytest.raises(ValidationError, match="Redovisningen kan bara ändras som utkast"):
        services.section_update(
            section=report.sections.first(), actor=staff, title="X", body="", seen_version=2
        )

    stored = SubmittedReport.objects.get(pk=frozen.pk)
    assert (stored.html, bytes(stored.pdf), stored.snapshot_json, bytes(stored.xlsx)) == before
    assert (
        stored.html_sha256,
        stored.pdf_sha256,
        stored.snapshot_sha256,
        stored.xlsx_sha256,
    ) == sums
    assert all(stored.checksums_match().values())
    # Today's data would make a different workbook: the frozen one must not be rebuilt.
    assert render.report_workbook(final_report.build(report).snapshot()) != before[3]

    client = login(staff)
    pdf = client.get(reverse("reporting:report-pdf", args=[report.pk]))
    assert pdf.content == before[1]
    xlsx = client.get(reverse("reporting:report-xlsx", args=[report.pk]))
    assert xlsx.content == before[3]
    preview = client.get(reverse("reporting:report-preview", args=[report.pk]))
    assert preview.content.decode() == before[0]
    for kind, body in (
        ("html", before[0].encode()),
        ("json", before[2].encode()),
        ("xlsx", before[3]),
    ):
        response = client.get(reverse("reporting:submitted-download", args=[report.pk, kind]))
        assert response.content == body
    page = client.get(report.get_absolute_url()).content.decode()
    assert sums[1] in page
    compare = client.get(reverse("reporting:report-compare", args=[report.pk])).content.decode()
    assert "6\xa0000\xa0000\xa0kr" in compare  # today's allocation for 2022
    assert "5\xa0000\xa0000\xa0kr" in compare  # the submitted one
    assert "13\xa0500\xa0000\xa0kr" in compare  # today's total


def test_the_comparison_shows_a_withheld_figure_by_its_label():
    from reporting.final_report.views import _shown

    assert _shown("färre än 5", "percent") == "färre än 5"
    assert _shown("12.5", "percent") == "12,5\xa0%"
    assert _shown(None, "int") == "–"


def test_a_report_is_submitted_once(report, staff, lead):
    approve(report, staff, lead)
    services.report_submit(report=report, actor=lead, seen_version=report.version)
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="Bara en godkänd redovisning kan lämnas in"):
        services.report_submit(report=report, actor=lead, seen_version=report.version)
    assert SubmittedReport.objects.count() == 1


# ---------------------------------------------------------------- reminders and start page


def test_reminders_30_14_and_7_days_before_once_each(report, agreement, staff, lead):
    due = agreement.final_report_due
    for days, expected in [(40, 0), (30, 1), (29, 0), (14, 1), (14, 0), (7, 1), (3, 0)]:
        mail.outbox.clear()
        run = services.reminders_due(today=due - datetime.timedelta(days=days))
        assert len(run.sent) == expected, days
        assert len(mail.outbox) == expected, days
    assert sorted(ReportReminder.objects.values_list("days_before", flat=True)) == [7, 14, 30]
    sent = OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT)
    assert sorted(sent.values_list("key", flat=True)) == sorted(
        f"report-reminder:{pk}" for pk in ReportReminder.objects.values_list("pk", flat=True)
    )


def test_reminders_go_to_programme_staff_and_stop_after_submission(report, agreement, staff, lead):
    staff.email, lead.email = "staff@skr.example", "lead@skr.example"
    staff.save()
    lead.save()
    services.reminders_due(today=agreement.final_report_due - datetime.timedelta(days=30))
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"staff@skr.example", "lead@skr.example"}
    assert "30 dagar" in mail.outbox[0].subject
    FinalReport.objects.filter(pk=report.pk).update(state=State.SUBMITTED)
    assert not services.reminders_due(
        today=agreement.final_report_due - datetime.timedelta(days=14)
    ).sent


def test_reminder_command(report, agreement, staff):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    day = agreement.final_report_due - datetime.timedelta(days=7)
    call_command("send_report_reminders", f"--today={day.isoformat()}", stdout=out)
    call_command("send_report_reminders", f"--today={day.isoformat()}", stdout=out)
    assert ReportReminder.objects.count() == 1
    assert "1 påminnelse" in out.getvalue()


def test_staff_start_page_shows_days_left(report, agreement, staff, login):
    days = agreement.days_to_final_report(timezone.localdate())
    Agreement.objects.filter(pk=agreement.pk).update(
        final_report_due=timezone.localdate() + datetime.timedelta(days=12)
    )
    page = login(staff).get(reverse("portal:staff-home")).content.decode()
    assert "Slutredovisningar" in page
    assert "12 dagar kvar" in page
    assert days  # the fixture's due date is in the past


def test_demo_report_is_a_draft_with_some_text_and_loads_once():
    from io import StringIO

    from reporting import demo

    demo.load(StringIO())
    demo.load(StringIO())
    report = FinalReport.objects.get()
    assert report.state == State.DRAFT
    summary = report.sections.get(key="summary")
    assert summary.body.startswith("*Demotext")
    assert report.sections.filter(body="").exists()  # still work left to do


# ---------------------------------------------------------------- the agreement's own rounds


def test_a_round_open_after_the_period_does_not_block_the_report(report, agreement):
    write_all_sections(report)
    ReportingRoundFactory(name="Omgång långt senare")  # open today, years after 2022
    ReportingRoundFactory(
        name="Omgång före perioden",
        opens_on=agreement.starts_on - datetime.timedelta(days=30),
        closes_on=agreement.starts_on + datetime.timedelta(days=400),
    )
    assert all(c.ok for c in services.report_checklist(report))
    assert list(final_report.rounds_of(agreement)) == []


def test_the_report_compares_only_the_rounds_of_its_period(agreement, staff):
    from .factories import ROUNDS_IN_PERIOD_FROM, publish_closed, readiness_dataset

    data = readiness_dataset(today=ROUNDS_IN_PERIOD_FROM)
    later = ReportingRoundFactory(
        name="Omgång efter perioden",
        opens_on=datetime.date(2023, 3, 1),
        closes_on=datetime.date(2023, 3, 31),
        framework_version=data.framework,
    )
    publish_closed()
    assert later.pk in {p.round_id for p in final_report.publication.publications()}
    assert set(final_report.rounds_of(agreement)) == {data.earlier, data.main}
    first, latest = final_report.rounds_compared(agreement)
    assert (first.round_id, latest.round_id) == (data.earlier.pk, data.main.pk)
    report = services.report_create(agreement=agreement, actor=staff)
    text = final_report.build(report)
    results = next(p for p in text.parts if p.section and p.section.key == "results")
    assert f"den senaste, {data.main.name}" in results.paragraphs[0]
    assert later.name not in " ".join(results.paragraphs)


def test_an_agreement_before_any_published_round_says_so(staff):
    from tests.agreement.factories import AgreementFactory

    from .factories import publish_closed, readiness_dataset

    readiness_dataset()
    publish_closed()
    old = AgreementFactory(starts_on=datetime.date(2015, 1, 1), ends_on=datetime.date(2016, 12, 31))
    report = services.report_create(agreement=old, actor=staff)
    results = next(
        p for p in final_report.build(report).parts if p.section and p.section.key == "results"
    )
    assert not [t for t in results.tables if t.key.startswith("readiness")]
    assert "Ingen uppföljningsomgång i överenskommelsens period" in results.paragraphs[0]


def test_report_list_says_when_a_report_was_handed_in_or_how_late_it_is(
    report, agreement, staff, login
):
    client = login(staff)
    page = client.get(reverse("reporting:report-list")).content.decode().replace("\xa0", " ")
    late = (timezone.localdate() - agreement.final_report_due).days
    assert f"{late:,} dagar sent".replace(",", " ") in page
    Agreement.objects.filter(pk=agreement.pk).update(reported_on=datetime.date(2023, 2, 24))
    page = client.get(reverse("reporting:report-list")).content.decode()
    assert "Lämnades in 2023-02-24" in page and "dagar sent" not in page
