import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import AuditEvent
from readiness.models import Assessment, AssessmentVersion
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .conftest import complete_answers, post_data
from .factories import AssessmentFactory, submitted_version

pytestmark = pytest.mark.django_db


def url(name, principal, reporting_round, **kwargs):
    return reverse(
        f"readiness:{name}",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk, **kwargs},
    )


ORGANISER_PAGES = [
    "assessment-detail",
    "assessment-history",
    "assessment-action-plan",
    "assessment-export-csv",
]


def test_access_matrix(
    client,
    login,
    principal_a,
    principal_b,
    editor_a,
    reader_a,
    editor_b,
    staff,
    government,
    open_round,
):
    edit = url("assessment-edit", principal_a, open_round)
    assert client.get(edit).status_code == 302  # anonymous → login
    login(reader_a)
    for name in ORGANISER_PAGES:
        assert client.get(url(name, principal_a, open_round)).status_code == 200, name
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"lock": "1", "save": "1"}).status_code == 403
    login(editor_b)
    for name in [*ORGANISER_PAGES, "assessment-edit"]:
        assert client.get(url(name, principal_a, open_round)).status_code == 404, name
    login(government)
    for name in [*ORGANISER_PAGES, "assessment-edit"]:
        assert client.get(url(name, principal_a, open_round)).status_code == 403, name
    assert client.get(reverse("readiness:round-list")).status_code == 403
    login(staff)
    for name in ORGANISER_PAGES:
        assert client.get(url(name, principal_a, open_round)).status_code == 200, name
    assert client.get(edit).status_code == 403  # staff read, organisers' editors write
    assert client.get(reverse("readiness:round-list")).status_code == 200
    assert not Assessment.objects.exists()


def test_editor_saves_partial_draft_and_comes_back(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    edit = url("assessment-edit", principal_a, open_round)
    page = client.get(edit)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="q-idp"' in html and "Inloggning och identitetsfederation" in html
    response = client.post(
        edit,
        post_data(
            framework,
            {"idp": {"value": "own", "comment": "Upphandlas"}, "staff-eid-share": {"value": 35}},
            lock=1,
        ),
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.state == Assessment.State.DRAFT
    assert assessment.draft.answers == {
        "idp": {"value": "own", "comment": "Upphandlas"},
        "staff-eid-share": {"value": 35, "comment": ""},
    }
    html = client.get(edit).content.decode()
    assert 'value="own" checked' in html and 'value="35"' in html and "Upphandlas" in html
    assert "Besvarat 2 av 28 frågor" in html
    assert AuditEvent.objects.filter(action="draft_saved").count() == 1


def test_failed_submit_lists_problems_links_to_questions_and_keeps_answers(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    edit = url("assessment-edit", principal_a, open_round)
    answers = complete_answers(framework)
    del answers["fidus"]
    answers["staff-eid-share"] = {"value": 150, "comment": "nästan alla"}
    response = client.post(edit, post_data(framework, answers, lock=1, action="submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "error-summary" in html
    assert 'href="#q-fidus"' in html and "Besvara frågan." in html
    assert 'href="#q-staff-eid-share"' in html and "Ange ett heltal från 0 till 100." in html
    assert 'value="150"' in html and "nästan alla" in html  # nothing lost
    assert not AssessmentVersion.objects.exists()


def test_unreadable_number_is_refused_with_message(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    data = post_data(framework, {"staff-count": {"value": "tolv"}}, lock=1)
    html = client.post(url("assessment-edit", principal_a, open_round), data).content.decode()
    assert (
        'href="#q-staff-count"' in html and "Ange ett heltal från 0 till 1\xa0000\xa0000." in html
    )
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("value", ["-1", "1000001", "999999999999999999"])
def test_a_number_outside_the_indicators_bounds_is_refused(
    client, login, principal_a, editor_a, open_round, framework, value
):
    login(editor_a)
    data = post_data(framework, {"staff-count": {"value": value}}, lock=1)
    html = client.post(url("assessment-edit", principal_a, open_round), data).content.decode()
    assert "Ange ett heltal från 0 till 1\xa0000\xa0000." in html.replace("&nbsp;", "\xa0")
    assert not Assessment.objects.exists()


def test_the_bounds_are_shown_and_come_from_the_framework(
    client, login, principal_a, editor_a, open_round, framework
):
    from readiness.models import Indicator

    Indicator.objects.filter(framework=framework, code="staff-count").update(max_value=5000)
    login(editor_a)
    page = client.get(url("assessment-edit", principal_a, open_round)).content.decode()
    assert "Ett heltal från 0 till 5\xa0000." in page.replace("&nbsp;", "\xa0")
    data = post_data(framework, {"staff-count": {"value": "5001"}}, lock=1)
    html = client.post(url("assessment-edit", principal_a, open_round), data).content.decode()
    assert "Ange ett heltal från 0 till 5\xa0000." in html.replace("&nbsp;", "\xa0")


def test_submit_gives_receipt_email_history_and_action_plan(
    client,
    login,
    principal_a,
    editor_a,
    reader_a,
    open_round,
    framework,
    django_capture_on_commit_callbacks,
):
    login(editor_a)
    answers = complete_answers(framework, fidus="achieved", staff_mfa="planned")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("assessment-edit", principal_a, open_round),
            post_data(framework, answers, lock=1, action="submit"),
        )
    receipt = url("assessment-receipt", principal_a, open_round, number=1)
    assert response.status_code == 302 and response["Location"] == receipt
    html = client.get(receipt).content.decode()
    assert "Självskattningen är inskickad" in html
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor_a.email]  # editors only, not the reader
    assert "inskickad" in mail.outbox[0].subject
    assessment = Assessment.objects.get()
    assert assessment.state == Assessment.State.SUBMITTED and assessment.current.number == 1

    plan = client.get(url("assessment-action-plan", principal_a, open_round)).content.decode()
    assert "Ansluten" not in plan
    fidus_question = "Är huvudmannens inloggning ansluten till Skolverkets interfederation FIDUS?"
    assert fidus_question not in plan  # achieved
    mfa = plan.index("Loggar personalen in med flerfaktorsautentisering?")
    non_dnp = plan.index("Finns rutiner för att utfärda, förnya och spärra")
    assert mfa < non_dnp  # DNP first
    assert "Inför flerfaktorsinloggning" in plan  # help text as the next step

    # A later change while the round is open is a new version; the diff shows it.
    answers["staff-mfa"] = {"value": "achieved", "comment": "Klart i oktober"}
    client.post(
        url("assessment-edit", principal_a, open_round),
        post_data(framework, answers, lock=assessment.version, action="submit"),
    )
    assert AssessmentVersion.objects.filter(kind="submitted").count() == 2
    history = client.get(url("assessment-history", principal_a, open_round)).content.decode()
    assert "Ändringar från version 1 till version 2" in history
    assert "<del>Planerad</del>" in history and "<ins>Uppnådd</ins>" in history
    assert "Klart i oktober" in history
    assert AssessmentVersion.objects.get(number=1).answers["staff-mfa"]["value"] == "planned"


def test_stale_draft_is_refused_and_shows_the_difference(
    client, login, principal_a, editor_a, open_round, framework
):
    other = MembershipFactory(principal=principal_a).user
    login(other)
    edit = url("assessment-edit", principal_a, open_round)
    client.post(edit, post_data(framework, {"idp": {"value": "service"}}, lock=1))
    login(editor_a)
    response = client.post(edit, post_data(framework, {"idp": {"value": "none"}}, lock=1))
    html = response.content.decode()
    assert "Någon annan sparade självskattningen efter att du öppnade den" in html
    assert "Ja, som tjänst från leverantör" in html and "Nej, ingen inloggningstjänst" in html
    assert 'value="none" checked' in html  # the user's answer is kept
    assessment = Assessment.objects.get()
    assert assessment.draft.answers["idp"]["value"] == "service"
    lock = re.search(r'name="lock" value="(\d+)"', html).group(1)
    client.post(edit, post_data(framework, {"idp": {"value": "none"}}, lock=lock))
    assessment.refresh_from_db()
    assert assessment.draft.answers["idp"]["value"] == "none"


def test_closed_round_refuses_edits(client, login, principal_a, editor_a, closed_round, framework):
    login(editor_a)
    edit = url("assessment-edit", principal_a, closed_round)
    assert client.get(edit).status_code == 302
    response = client.post(
        edit, post_data(framework, complete_answers(framework), lock=1, action="submit")
    )
    assert "Omgången är stängd" in response.content.decode()
    assert not AssessmentVersion.objects.exists()


def test_previous_round_answer_shown_beside_question(
    client, login, principal_a, editor_a, open_round, closed_round, framework
):
    old = AssessmentFactory(principal=principal_a, round=closed_round)
    submitted_version(old, {"idp": {"value": "service", "comment": ""}})
    login(editor_a)
    html = client.get(url("assessment-edit", principal_a, open_round)).content.decode()
    assert "Ert svar i Våren 2026:" in html
    assert "Ja, som tjänst från leverantör" in html


def test_staff_return_with_comment_emails_editors_and_reopens(
    client,
    login,
    principal_a,
    editor_a,
    staff,
    closed_round,
    framework,
    django_capture_on_commit_callbacks,
):
    assessment = AssessmentFactory(principal=principal_a, round=closed_round)
    submitted_version(assessment, complete_answers(framework))
    login(staff)
    detail = url("assessment-detail", principal_a, closed_round)
    client.post(url("assessment-return", principal_a, closed_round), {"comment": ""})
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("assessment-return", principal_a, closed_round), {"comment": "Andelen verkar fel."}
        )
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.RETURNED
    assert mail.outbox[-1].to == [editor_a.email]
    assert "Andelen verkar fel." in mail.outbox[-1].body
    assert "Andelen verkar fel." in client.get(detail).content.decode()
    # Returned: the editor may correct it even though the round has closed.
    login(editor_a)
    answers = complete_answers(framework, staff_eid_share=80)
    response = client.post(
        url("assessment-edit", principal_a, closed_round),
        post_data(framework, answers, lock=assessment.version, action="submit"),
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED and assessment.current.number == 2


def test_csv_and_pdf_downloads(client, login, principal_a, reader_a, open_round, framework):
    assessment = AssessmentFactory(principal=principal_a, round=open_round)
    submitted_version(assessment, complete_answers(framework))
    login(reader_a)
    response = client.get(url("assessment-export-csv", principal_a, open_round))
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Område;Kod;Fråga;Svar;Kommentar")
    assert len(lines) == 29
    assert "Påbörjad" in text
    response = client.get(url("assessment-export-pdf", principal_a, open_round))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_principal_page_shows_open_round_progress(
    client, login, principal_a, editor_a, open_round, framework
):
    assessment = AssessmentFactory(principal=principal_a, round=open_round)
    answers = {"idp": {"value": "own", "comment": ""}, "fidus": {"value": "started", "comment": ""}}
    version = AssessmentVersion.objects.create(
        assessment=assessment, number=1, kind="draft", framework_version=framework, answers=answers
    )
    assessment.draft = version
    assessment.state = "draft"
    assessment.save()
    login(editor_a)
    html = client.get(
        reverse("principals:principal-detail", args=[principal_a.pk])
    ).content.decode()
    assert "Hösten 2026" in html
    assert "Besvarat 2 av 28 frågor" in html and "obligatoriska frågor kvar" in html
    assert url("assessment-edit", principal_a, open_round) in html


def test_round_overview_counts_filters_and_reminders(
    client, login, staff, open_round, framework, django_capture_on_commit_callbacks
):
    from principals.models import County

    done = PrincipalFactory(name="Klar AB")
    submitted_version(AssessmentFactory(principal=done, round=open_round), {})
    started = PrincipalFactory(name="Påbörjad AB", organiser_type="KOMMUN")
    AssessmentFactory(principal=started, round=open_round, state="draft")
    idle = PrincipalFactory(name="Inte börjat AB", county=County.objects.get(code="12"))
    MembershipFactory(principal=idle, user__email="idle@example.se")
    MembershipFactory(principal=started, user__email="started@example.se")
    login(staff)
    page = reverse("readiness:round-detail", args=[open_round.pk])
    html = client.get(page).content.decode()
    counts = re.findall(r'<p class="figure">(\d+)</p>', html)
    assert counts == ["1", "1", "1"]
    assert "Inte börjat AB" in html and "Påbörjad AB" in html and "Klar AB" not in html
    assert "idle@example.se" in html
    html = client.get(page, {"organiser_type": "KOMMUN"}).content.decode()
    assert "Påbörjad AB" in html and "Inte börjat AB" not in html
    html = client.get(page, {"county": County.objects.get(code="12").pk}).content.decode()
    assert "Inte börjat AB" in html and "Påbörjad AB" not in html

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("readiness:round-remind", args=[open_round.pk]))
    assert sorted(m.to[0] for m in mail.outbox) == ["idle@example.se", "started@example.se"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("readiness:round-remind", args=[open_round.pk]))
    assert len(mail.outbox) == 2  # not again within 24 hours
    assert AuditEvent.objects.filter(action="reminder_sent").count() == 2


def test_staff_manage_round_lifecycle(client, login, staff, framework):
    login(staff)
    response = client.post(
        reverse("readiness:round-create"),
        {
            "name": "Våren 2027",
            "opens_on": "2027-03-01",
            "closes_on": "2027-02-01",
            "framework_version": framework.pk,
        },
    )
    assert "error-summary" in response.content.decode()
    response = client.post(
        reverse("readiness:round-create"),
        {
            "name": "Våren 2027",
            "opens_on": "2027-03-01",
            "closes_on": "2027-04-30",
            "framework_version": framework.pk,
        },
    )
    assert response.status_code == 302
    from readiness.models import ReportingRound

    r = ReportingRound.objects.get(name="Våren 2027")
    assert r.status == "upcoming"
    client.post(reverse("readiness:round-open", args=[r.pk]))
    r.refresh_from_db()
    assert r.status == "open"
    client.post(reverse("readiness:round-extend", args=[r.pk]), {"closes_on": "2027-05-31"})
    r.refresh_from_db()
    assert str(r.closes_on) == "2027-05-31"
    client.post(reverse("readiness:round-close", args=[r.pk]))
    r.refresh_from_db()
    assert r.status == "closed"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"created", "opened", "extended", "closed"} <= actions


def test_government_cannot_manage_or_see_rounds(client, login, government, open_round):
    login(government)
    assert client.get(reverse("readiness:round-detail", args=[open_round.pk])).status_code == 403
    assert client.post(reverse("readiness:round-remind", args=[open_round.pk])).status_code == 403
