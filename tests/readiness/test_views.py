import datetime
import re
import subprocess

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, OutgoingMail
from readiness.models import Assessment, AssessmentVersion, Reminder
from tests.jobs import job_download
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .conftest import (
    complete_answers,
    edit_url,
    fill_in,
    lock_of,
    post_data,
    review_url,
    step_of,
    steps_of,
)
from .factories import AssessmentFactory, submitted_version

pytestmark = pytest.mark.django_db


def url(name, principal, reporting_round, **kwargs):
    return reverse(
        f"readiness:{name}",
        kwargs={"principal_pk": principal.pk, "round_pk": reporting_round.pk, **kwargs},
    )


def test_a_reader_cannot_post_answers(client, login, principal_a, reader_a, open_round):
    """GETs are in the global access matrix; this is the write it does not send."""
    login(reader_a)
    edit = url("assessment-edit", principal_a, open_round)
    assert client.post(edit, {"lock": "1", "save": "1"}).status_code == 403
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
    assert 'aria-current="step"' in html and "Område 1 av 7" in html
    assert 'id="q-staff-eid-share"' not in html  # the next area is the next step
    response = client.post(
        edit_url(principal_a, open_round, 1),
        post_data(
            framework, {"idp": {"value": "own", "comment": "Upphandlas"}}, lock=1, action="next"
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(principal_a, open_round, 2)
    assessment = Assessment.objects.get()
    response = client.post(
        edit_url(principal_a, open_round, 2),
        post_data(framework, {"staff-eid-share": {"value": 35}}, lock=assessment.version),
    )
    assert response["Location"] == edit_url(principal_a, open_round, 2)  # "Spara utkast" stays
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT
    assert assessment.draft.answers == {  # the first step's answer is kept
        "idp": {"value": "own", "comment": "Upphandlas"},
        "staff-eid-share": {"value": 35, "comment": ""},
    }
    html = client.get(edit).content.decode()
    assert 'value="own" checked' in html and "Upphandlas" in html
    assert "Besvarat 2 av 28 frågor" in html
    assert 'value="35"' in client.get(edit_url(principal_a, open_round, 2)).content.decode()
    assert AuditEvent.objects.filter(action="draft_saved").count() == 2


def test_the_step_list_shows_what_is_answered_in_each_area(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    answers = complete_answers(framework)
    first = {code: answers[code] for code in steps_of(framework)[0][1] if code in answers}
    client.post(edit_url(principal_a, open_round, 1), post_data(framework, first, 1, "next"))
    html = client.get(edit_url(principal_a, open_round, 2)).content.decode()
    steps = html[html.index('class="steps"') : html.index("</nav>", html.index('class="steps"'))]
    assert steps.count("<li") == 8  # seven areas and the review
    assert steps.count("Allt besvarat") == 1
    assert steps.count("Ej påbörjat") == 6
    current = re.search(r'<a href="[^"]*\?steg=(\d)" aria-current="step">', steps)
    assert current.group(1) == "2"


def test_paging_through_unchanged_steps_saves_nothing(
    client, login, principal_a, editor_a, open_round, framework
):
    assessment = AssessmentFactory(principal=principal_a, round=open_round)
    submitted_version(assessment, complete_answers(framework))
    login(editor_a)
    for number, codes in steps_of(framework):
        part = {c: a for c, a in complete_answers(framework).items() if c in codes}
        response = client.post(
            edit_url(principal_a, open_round, number),
            post_data(framework, part, lock_of(principal_a, open_round), action="next"),
        )
        assert response.status_code == 302
    assert response["Location"] == review_url(principal_a, open_round)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED and assessment.draft is None
    assert AssessmentVersion.objects.count() == 1
    html = client.get(review_url(principal_a, open_round)).content.decode()
    assert "Version 1 är inskickad och inget har ändrats sedan dess." in html
    assert 'name="submit"' not in html


def test_previous_saves_and_goes_back_and_the_first_step_has_none(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    assert (
        'name="previous"' not in client.get(edit_url(principal_a, open_round, 1)).content.decode()
    )
    html = client.get(edit_url(principal_a, open_round, 2)).content.decode()
    assert 'name="previous"' in html and 'name="next" value="1"' in html and 'name="review"' in html
    response = client.post(
        edit_url(principal_a, open_round, 2),
        post_data(framework, {"staff-eid-share": {"value": 20}}, 1, action="previous"),
    )
    assert response["Location"] == edit_url(principal_a, open_round, 1)
    assert Assessment.objects.get().draft.answers["staff-eid-share"]["value"] == 20
    last = len(steps_of(framework))
    html = client.get(edit_url(principal_a, open_round, last)).content.decode()
    assert 'name="next" value="1"' not in html and "Granska och skicka in" in html
    assert client.get(edit_url(principal_a, open_round, last + 1)).status_code == 404
    assert client.get(edit_url(principal_a, open_round, 0)).status_code == 404
    assert client.get(edit_url(principal_a, open_round) + "?steg=tva").status_code == 404


def test_no_rating_is_preselected(client, login, principal_a, editor_a, open_round, framework):
    login(editor_a)
    for number, _codes in steps_of(framework):
        html = client.get(edit_url(principal_a, open_round, number)).content.decode()
        assert " checked" not in html, number


def test_save_message_names_the_area_and_the_time(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    response = client.post(
        edit_url(principal_a, open_round, 2),
        post_data(framework, {"staff-eid-share": {"value": 20}}, 1),
        follow=True,
    )
    version = Assessment.objects.get().draft
    when = timezone.localtime(version.created_at)
    assert (
        f"Utkastet för område E-legitimation för personal sparades {when:%H:%M}."
        in response.content.decode()
    )
    response = client.post(
        edit_url(principal_a, open_round, 2),
        post_data(framework, {"staff-eid-share": {"value": 20}}, lock_of(principal_a, open_round)),
        follow=True,
    )
    assert (
        "Inget att spara: svaren i område E-legitimation för personal" in response.content.decode()
    )
    assert AssessmentVersion.objects.count() == 1


def test_an_error_is_shown_on_its_step_and_nothing_is_saved(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    step = step_of(framework, "staff-eid-share")
    response = client.post(
        edit_url(principal_a, open_round, step),
        post_data(
            framework, {"staff-eid-share": {"value": 150, "comment": "nästan alla"}}, 1, "next"
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and "autofocus" in html
    assert 'href="#q-staff-eid-share"' in html and "Ange ett heltal från 0 till 100." in html
    assert 'id="e-q-staff-eid-share"' in html  # beside the question, on this step
    assert 'value="150"' in html and "nästan alla" in html
    assert "<title>Fel: Område 2 av 7" in html
    assert not AssessmentVersion.objects.exists()


def test_failed_submit_lists_problems_linking_to_their_steps(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    answers = complete_answers(framework)
    del answers["fidus"]
    response = fill_in(client, principal_a, open_round, answers, submit=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and "Självskattningen skickades inte in." in html
    link = (
        edit_url(principal_a, open_round, step_of(framework, "fidus"))
        + "&amp;kontrollera=1#q-fidus"
    )
    assert f'href="{link}"' in html and "Besvara frågan." in html
    assert not AssessmentVersion.objects.filter(kind="submitted").exists()
    # The link opens the step with the error beside the question and a summary at the top.
    step = client.get(link.replace("&amp;", "&").split("#")[0]).content.decode()
    assert 'id="error-summary"' in step and 'href="#q-fidus"' in step
    assert 'id="e-q-fidus"' in step and "Besvara de här frågorna innan du skickar in." in step
    # Before submitting, the review page already lists what is missing (as a notice).
    review = client.get(review_url(principal_a, open_round)).content.decode()
    assert "1 fråga behöver besvaras innan du kan skicka in" in review
    assert 'id="error-summary"' not in review


def staff_count_step(principal, reporting_round):
    return edit_url(
        principal, reporting_round, step_of(reporting_round.framework_version, "staff-count")
    )


def test_unreadable_number_is_refused_with_message(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    data = post_data(framework, {"staff-count": {"value": "tolv"}}, lock=1)
    html = client.post(staff_count_step(principal_a, open_round), data).content.decode()
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
    html = client.post(staff_count_step(principal_a, open_round), data).content.decode()
    assert "Ange ett heltal från 0 till 1\xa0000\xa0000." in html.replace("&nbsp;", "\xa0")
    assert not Assessment.objects.exists()


def test_the_bounds_are_shown_and_come_from_the_framework(
    client, login, principal_a, editor_a, open_round, framework
):
    from readiness.models import Indicator

    Indicator.objects.filter(framework=framework, code="staff-count").update(max_value=5000)
    login(editor_a)
    page = client.get(staff_count_step(principal_a, open_round)).content.decode()
    assert "Ett heltal från 0 till 5\xa0000." in page.replace("&nbsp;", "\xa0")
    data = post_data(framework, {"staff-count": {"value": "5001"}}, lock=1)
    html = client.post(staff_count_step(principal_a, open_round), data).content.decode()
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
        response = fill_in(client, principal_a, open_round, answers, submit=True)
    receipt = url("assessment-receipt", principal_a, open_round, number=1)
    assert response.status_code == 302 and response["Location"] == receipt
    html = client.get(receipt).content.decode()
    assert "Självskattningen är inskickad" in html
    assert "Självskattningen för Huvudman A skickades in som version 1." in html
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor_a.email]  # editors only, not the reader
    assert "inskickad" in mail.outbox[0].subject
    assessment = Assessment.objects.get()
    assert assessment.state == Assessment.State.SUBMITTED

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
    response = fill_in(client, principal_a, open_round, answers, submit=True)
    assert response["Location"] == url("assessment-receipt", principal_a, open_round, number=2)
    assert AssessmentVersion.objects.filter(kind="submitted").count() == 2
    history = client.get(url("assessment-history", principal_a, open_round)).content.decode()
    assert "Ändringar från version 1 till version 2" in history
    assert "<del>Planerad</del>" in history and "<ins>Uppnådd</ins>" in history
    assert "Klart i oktober" in history
    first = AssessmentVersion.objects.filter(kind="submitted").order_by("number").first()
    assert first.answers["staff-mfa"]["value"] == "planned"


def test_the_first_submission_is_version_1_everywhere(
    client,
    login,
    principal_a,
    editor_a,
    staff,
    open_round,
    framework,
    django_capture_on_commit_callbacks,
):
    """Drafts are saved on every step before the first submission; it is still version 1."""
    login(editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        fill_in(client, principal_a, open_round, complete_answers(framework), submit=True)
    assert AssessmentVersion.objects.filter(kind="draft").count() == 7
    stored = AssessmentVersion.objects.get(kind="submitted")
    assert stored.number == 8  # the stored sequence counts the drafts, people never see it
    receipt = client.get(url("assessment-receipt", principal_a, open_round, number=1))
    assert re.search(r"<dt>Version</dt><dd>1</dd>", receipt.content.decode())
    assert (
        client.get(url("assessment-receipt", principal_a, open_round, number=8)).status_code == 404
    )
    assert (
        client.get(url("assessment-receipt", principal_a, open_round, number=0)).status_code == 404
    )
    body = mail.outbox[0].body
    assert "Version 1, inskickad av" in body
    assert url("assessment-receipt", principal_a, open_round, number=1) in body
    detail = client.get(url("assessment-detail", principal_a, open_round)).content.decode()
    assert "Version 1 av" in detail
    history = client.get(url("assessment-history", principal_a, open_round)).content.decode()
    rows = re.findall(r'<tr><td class="num">([^<]*)</td>', history)
    assert rows == ["1"] + ["–"] * 7
    assert "Ändringar från utkastet sparat" in history and "till version 1" in history
    csv = client.get(url("assessment-export-csv", principal_a, open_round)).content.decode(
        "utf-8-sig"
    )
    assert {line.split(";")[7] for line in csv.strip().splitlines()[1:]} == {"1"}
    plan = client.get(url("assessment-action-plan", principal_a, open_round)).content.decode()
    assert "utifrån version 1 (inskickad)" in plan
    event = AuditEvent.objects.get(action="submitted")
    assert event.changes["version"] == [None, 1]
    assert all("version" not in e.changes for e in AuditEvent.objects.filter(action="draft_saved"))
    login(staff)
    assert (
        "Version 1 av"
        in client.get(url("assessment-detail", principal_a, open_round)).content.decode()
    )


def test_the_pdf_names_the_submission_by_its_number(
    client, login, principal_a, editor_a, open_round, framework
):
    pdftotext = pytest.importorskip("shutil").which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    import subprocess

    login(editor_a)
    fill_in(client, principal_a, open_round, complete_answers(framework), submit=True)
    pdf = job_download(client, client.post(url("assessment-export-pdf", principal_a, open_round)))
    pdf = pdf.content
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True)
    assert "Version 1, inskickad av" in text.stdout.decode()


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
    response = fill_in(client, principal_a, closed_round, answers, submit=True)
    assert response["Location"] == url("assessment-receipt", principal_a, closed_round, number=2)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    assert AssessmentVersion.objects.filter(kind="draft").count() == 1  # the one changed step


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
    started = client.post(url("assessment-export-pdf", principal_a, open_round))
    response = job_download(client, started)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF")
    info = subprocess.run(
        ["pdfinfo", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Tagged:          yes" in info and "Självskattning" in info


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

    remind = reverse("readiness:round-remind", args=[open_round.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(remind, {"confirm": "1"})
    assert sorted(m.to[0] for m in mail.outbox) == ["idle@example.se", "started@example.se"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(remind, {"confirm": "1"})
    assert len(mail.outbox) == 2  # not again within 24 hours
    assert AuditEvent.objects.filter(action="reminder_sent").count() == 2


def test_round_overview_history_shows_each_change_as_soon_as_it_is_made(
    client, login, staff, open_round
):
    """The overview keeps its history section under the page's change version: a change to
    the round shows at once, not when the kept section expires."""
    login(staff)
    page = reverse("readiness:round-detail", args=[open_round.pk])
    before = client.get(page).content.decode().count('class="history-time"')
    assert client.get(page).content.decode().count('class="history-time"') == before
    closes = (open_round.closes_on + datetime.timedelta(days=7)).isoformat()
    response = client.post(
        reverse("readiness:round-extend", args=[open_round.pk]), {"closes_on": closes}
    )
    assert response.status_code == 302
    assert client.get(page).content.decode().count('class="history-time"') == before + 1


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
    client.post(reverse("readiness:round-close", args=[r.pk]), {"confirm": "1"})
    r.refresh_from_db()
    assert r.status == "closed"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"created", "opened", "extended", "closed"} <= actions


def test_government_cannot_manage_or_see_rounds(client, login, government, open_round):
    login(government)
    assert client.get(reverse("readiness:round-detail", args=[open_round.pk])).status_code == 403
    assert client.post(reverse("readiness:round-remind", args=[open_round.pk])).status_code == 403


def test_reminders_are_confirmed_first_with_the_number_of_organisers_and_recipients(
    client, login, staff, open_round, framework, django_capture_on_commit_callbacks
):
    done = PrincipalFactory(name="Klar AB")
    MembershipFactory(principal=done, user__email="klar@example.se")
    submitted_version(AssessmentFactory(principal=done, round=open_round), {})
    two = PrincipalFactory(name="Två AB", email="")
    MembershipFactory(principal=two, user__email="a@example.se")
    MembershipFactory(principal=two, user__email="b@example.se", role="reader")
    one = PrincipalFactory(name="En AB", email="")
    MembershipFactory(principal=one, user__email="c@example.se")
    PrincipalFactory(name="Adresslös AB", email="")
    login(staff)
    remind = reverse("readiness:round-remind", args=[open_round.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Påminnelse skickas till 2 huvudmän (3 mottagare)." in html
    assert "Hoppas över: 1 huvudman utan e-postadress." in html
    assert 'name="confirm" value="1"' in html and "Skicka påminnelserna" in html
    assert mail.outbox == [] and not Reminder.objects.exists()
    assert not AuditEvent.objects.filter(action="reminder_sent").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind, {"confirm": "1"}, follow=True)
    job_page = response.redirect_chain[-1][0]
    assert job_page.startswith("/jobb/")
    html = response.content.decode()
    assert "Påminnelser till 2 huvudmän (3 mottagare) har köats för utskick." in html
    assert len(mail.outbox) == 2
    assert sorted(OutgoingMail.objects.values_list("status", flat=True)) == ["sent", "sent"]
    html = client.get(reverse("readiness:round-detail", args=[open_round.pk])).content.decode()
    assert "E-post om omgången" in html
    html = client.post(remind).content.decode()  # within 24 hours: nobody left to remind
    assert "Ingen huvudman ska påminnas just nu." in html
    assert "Hoppas över: 2 huvudmän som fick en påminnelse för mindre än ett dygn sedan." in html
    assert 'name="confirm"' not in html


def test_closing_a_round_is_confirmed_first_with_who_has_not_submitted(
    client, login, staff, open_round, framework
):
    submitted_version(AssessmentFactory(principal=PrincipalFactory(), round=open_round), {})
    AssessmentFactory(principal=PrincipalFactory(), round=open_round, state="draft")
    PrincipalFactory()
    login(staff)
    close = reverse("readiness:round-close", args=[open_round.pk])
    response = client.post(close)
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 av 3 huvudmän har skickat in." in html
    assert "Har inte skickat in: 2 huvudmän." in html
    open_round.refresh_from_db()
    assert open_round.closed_at is None and not AuditEvent.objects.filter(action="closed").exists()
    response = client.post(close, {"confirm": "1"}, follow=True)
    assert "Omgången Hösten 2026 är stängd; 2 huvudmän hade inte skickat in." in (
        response.content.decode()
    )
    open_round.refresh_from_db()
    assert open_round.closed_at is not None


def test_publishing_a_framework_is_confirmed_first(client, login, staff, framework):
    from readiness.models import FrameworkVersion
    from readiness.services import framework_copy

    draft = framework_copy(framework=framework, name="Utkast 2027", actor=staff)
    login(staff)
    publish = reverse("readiness:framework-publish", args=[draft.pk])
    html = client.post(publish).content.decode()
    assert "Versionen har 28 indikatorer i 7 områden." in html
    assert FrameworkVersion.objects.get(pk=draft.pk).status == "draft"
    response = client.post(publish, {"confirm": "1"}, follow=True)
    assert "Versionen Utkast 2027 är publicerad" in response.content.decode()
    assert FrameworkVersion.objects.get(pk=draft.pk).status == "published"


def test_a_submit_from_a_stale_review_is_refused_and_shows_the_answers_saved_now(
    client, login, principal_a, editor_a, open_round, framework
):
    login(editor_a)
    fill_in(client, principal_a, open_round, complete_answers(framework))
    html = client.get(review_url(principal_a, open_round)).content.decode()
    lock = re.search(r'name="lock" value="(\d+)"', html).group(1)
    other = MembershipFactory(principal=principal_a).user
    login(other)
    client.post(
        edit_url(principal_a, open_round, 1),
        post_data(framework, complete_answers(framework, idp="service"), int(lock)),
    )
    login(editor_a)
    response = client.post(review_url(principal_a, open_round), {"lock": lock, "submit": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Någon annan sparade självskattningen efter att du öppnade den" in html
    assert "Ja, som tjänst från leverantör" in html  # the answers as saved now
    assert not AssessmentVersion.objects.filter(kind="submitted").exists()
    new_lock = re.search(r'name="lock" value="(\d+)"', html).group(1)
    response = client.post(review_url(principal_a, open_round), {"lock": new_lock, "submit": "1"})
    assert response["Location"] == url("assessment-receipt", principal_a, open_round, number=1)


def test_the_review_refuses_organisers_readers_and_staff(
    client, login, principal_a, reader_a, staff, open_round
):
    review = review_url(principal_a, open_round)
    for user in (reader_a, staff):
        login(user)
        assert client.get(review).status_code == 403
        assert client.post(review, {"lock": "1", "submit": "1"}).status_code == 403
    assert not Assessment.objects.exists()


def test_the_admin_numbers_versions_as_organisers_do(
    client, login, admin, principal_a, open_round, framework
):
    assessment = AssessmentFactory(principal=principal_a, round=open_round)
    answers = complete_answers(framework)
    submitted_version(assessment, answers, number=1)
    AssessmentVersion.objects.create(
        assessment=assessment, number=2, kind="draft", framework_version=framework, answers=answers
    )
    submitted_version(assessment, answers, number=3)
    html = login(admin).get("/admin/readiness/assessmentversion/").content.decode()
    places = re.findall(r'<td class="field-submission">([^<]*)</td>', html)
    assert places == ["2", "–", "1"]  # newest first; the draft is unnumbered
    assert " v3" not in html and " v1" not in html


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("våren-2027", "Namnet ger samma kod (varen-2027) som omgången Våren 2027"),
        ("VÅREN 2027!", "Namnet ger samma kod (varen-2027) som omgången Våren 2027"),
        ("!!! ???", "Namnet behöver minst en bokstav eller siffra."),
    ],
)
def test_a_name_whose_code_is_taken_or_empty_is_refused(
    client, login, staff, framework, name, error
):
    """The API names a round by its code: two rounds may never share one."""
    from readiness.models import ReportingRound

    first = ReportingRound.objects.create(
        name="Våren 2027",
        opens_on="2027-03-01",
        closes_on="2027-04-30",
        framework_version=framework,
    )
    assert first.code == "varen-2027"
    login(staff)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("readiness:round-create"),
        {
            "name": name,
            "opens_on": "2027-09-01",
            "closes_on": "2027-10-30",
            "framework_version": framework.pk,
        },
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ReportingRound.objects.count() == 1 and AuditEvent.objects.count() == events


def test_first_visit_questions_are_kept_per_organiser_with_its_own_earlier_answers(
    client, login, editor_a, editor_b, principal_a, open_round, closed_round, framework
):
    """Before the first save the questions are kept per organiser and round: one organiser's
    answer from an earlier round never shows on another organiser's form."""
    from readiness import selectors

    first = selectors.indicators_for(framework)[0]
    value = first.options()[0][0] if first.options() else "12"
    submitted_version(
        AssessmentFactory(principal=principal_a, round=closed_round), {first.code: {"value": value}}
    )
    for _ in range(2):  # rendered, then kept
        login(editor_a)
        html = client.get(url("assessment-edit", principal_a, open_round)).content.decode()
        assert closed_round.name in html
        login(editor_b)
        html = client.get(url("assessment-edit", editor_b.memberships.get().principal, open_round))
        assert html.status_code == 200 and closed_round.name not in html.content.decode()
