"""Parts of pages kept in the cache (portal/fragments.py) show every change at once."""

from django.urls import reverse

from principals.services import membership_remove
from readiness.models import Assessment
from readiness.services import assessment_return
from tests.principals.factories import MembershipFactory, PrincipalFactory

from .conftest import complete_answers, edit_url, fill_in


def test_the_register_shows_new_organisers_and_members_at_once(login, staff):
    client = login(staff)
    register = reverse("principals:principal-list")
    PrincipalFactory(name="Första skolan AB")
    assert "Första skolan AB" in client.get(register).content.decode()
    PrincipalFactory(name="Andra skolan AB")
    page = client.get(register, {"q": "skolan"}).content.decode()
    assert "Andra skolan AB" in page
    membership = MembershipFactory(principal__name="Tredje skolan AB")
    row = client.get(register, {"q": "Tredje"}).content.decode().split("Tredje skolan AB")[1]
    assert '<td class="num">1</td>' in row.split("</tr>")[0]
    membership_remove(membership=membership, actor=staff)
    row = client.get(register, {"q": "Tredje"}).content.decode().split("Tredje skolan AB")[1]
    assert '<td class="num">0</td>' in row.split("</tr>")[0]


def test_a_rounds_list_of_organisers_follows_drafts_submissions_and_returns(
    login, staff, editor_a, principal_a, open_round
):
    def state_of_a(show="all"):
        page = staff_client.get(
            reverse("readiness:round-detail", args=[open_round.pk]), {"show": show}
        )
        rows = page.content.decode().split(principal_a.name + "</a></th>")
        return rows[1].split("</tr>")[0] if len(rows) > 1 else None

    staff_client = login(staff)
    assert "Ej påbörjad" in state_of_a()
    editor_client = login(editor_a)
    answers = complete_answers(open_round.framework_version)
    fill_in(editor_client, principal_a, open_round, answers)
    staff_client = login(staff)
    assert "Utkast" in state_of_a()
    editor_client = login(editor_a)
    fill_in(editor_client, principal_a, open_round, answers, submit=True)
    staff_client = login(staff)
    assert "Inskickad" in state_of_a()
    assert state_of_a("not_submitted") is None
    assessment = Assessment.objects.get(principal=principal_a, round=open_round)
    assessment_return(assessment=assessment, comment="Rätta", actor=staff)
    assert "Återsänd för komplettering" in state_of_a("not_submitted")


def test_the_form_and_the_history_show_what_was_just_saved(
    login, editor_a, principal_a, open_round
):
    client = login(editor_a)
    answers = complete_answers(open_round.framework_version)
    fill_in(client, principal_a, open_round, answers, submit=True)
    history = reverse("readiness:assessment-history", args=[principal_a.pk, open_round.pk])
    assert client.get(history).content.decode().count('class="tag tag--green"') == 1
    assert (
        'value="service" checked'
        not in client.get(edit_url(principal_a, open_round, 1)).content.decode()
    )
    changed = complete_answers(open_round.framework_version, idp="service")
    fill_in(client, principal_a, open_round, changed, submit=True)
    assert client.get(history).content.decode().count('class="tag tag--green"') == 2
    form = client.get(edit_url(principal_a, open_round, 1)).content.decode()
    assert 'value="service" checked' in form


def test_the_register_export_is_kept_until_the_register_changes(login, staff):
    client = login(staff)
    export = reverse("principals:principal-export")
    PrincipalFactory(name="Första skolan AB")
    first = client.get(export)
    assert first.streaming  # written while it is sent
    body = first.getvalue()
    again = client.get(export)
    assert not again.streaming and again.content == body  # kept whole
    assert again["Content-Disposition"] == first["Content-Disposition"]
    PrincipalFactory(name="Andra skolan AB")
    assert "Andra skolan AB" in client.get(export).getvalue().decode("utf-8-sig")


def test_the_form_follows_the_areas_progress_and_a_closed_round_at_once(
    login, editor_a, principal_a, open_round, staff
):
    from readiness.services import round_close

    client = login(editor_a)
    first = client.get(edit_url(principal_a, open_round, 1)).content.decode()
    assert "Besvarat 0 av" in first
    answers = complete_answers(open_round.framework_version)
    fill_in(client, principal_a, open_round, answers, submit=False)
    again = client.get(edit_url(principal_a, open_round, 1)).content.decode()
    assert "Besvarat 0 av" not in again and "Allt besvarat" in again  # progress and areas
    round_close(reporting_round=open_round, actor=staff)
    closed = client.get(edit_url(principal_a, open_round, 1))
    assert closed.status_code == 302  # the round kept for the form follows its closing
    assert closed["Location"] == reverse(
        "readiness:assessment-detail", args=[principal_a.pk, open_round.pk]
    )


def test_the_register_is_kept_through_submissions_and_follows_its_own_changes(
    login, staff, editor_a, principal_a, open_round
):
    from principals.selectors import register_version
    from principals.services import membership_remove
    from readiness.services import assessment_submit
    from tests.portal.factories import UserFactory

    client = login(staff)
    export = reverse("principals:principal-export")
    client.get(export).getvalue()
    before = register_version()
    assessment_submit(
        principal=principal_a,
        reporting_round=open_round,
        answers=complete_answers(open_round.framework_version),
        seen_version=1,
        actor=editor_a,
    )
    assert register_version() == before  # a submission changes nothing the register shows
    assert not client.get(export).streaming  # so the file is still kept whole
    # An account leaving moves it: the organiser's user count changes.
    membership = MembershipFactory(principal=principal_a, user=UserFactory())
    counted = register_version()
    assert counted != before
    membership_remove(membership=membership, actor=staff)
    assert register_version() != counted
