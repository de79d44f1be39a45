import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from principals.models import ImportBatch, Invitation, Membership, Principal, SchoolUnit
from tests.jobs import started_job
from tests.portal.factories import UserFactory
from tests.principals.factories import MembershipFactory, PrincipalFactory, SchoolUnitFactory
from tests.principals.importing import follow, post_file

pytestmark = pytest.mark.django_db

LIST = reverse("principals:principal-list")
EXPORT = reverse("principals:principal-export")


def make_principals(n: int, start: int = 0):
    for i in range(start, start + n):
        principal = PrincipalFactory(name=f"Skola {i:03d} AB")
        SchoolUnitFactory.create_batch(2, principal=principal)
        MembershipFactory(principal=principal)


# --------------------------------------------------------------------------- register


def test_register_searches_by_name_number_and_unit_code(login, staff):
    alfa = PrincipalFactory(name="Alfaskolan AB")
    beta = PrincipalFactory(name="Betaskolan AB")
    SchoolUnitFactory(principal=beta, code="87654321")
    client = login(staff)
    assert "Alfaskolan" in client.get(LIST, {"q": "alfa"}).text
    assert "Betaskolan" not in client.get(LIST, {"q": "alfa"}).text
    digits = alfa.organisation_number.replace("-", "")
    assert "Alfaskolan" in client.get(LIST, {"q": digits}).text
    page = client.get(LIST, {"q": "87654321"}).text
    assert "Betaskolan" in page and "Alfaskolan" not in page


def test_register_filters_and_sorts(login, staff):
    from principals.models import County, Municipality

    kommun = PrincipalFactory(
        name="Kommunen",
        organiser_type="KOMMUN",
        county=County.objects.get(code="22"),
        municipalities=[Municipality.objects.get(code="2281")],
    )
    gammal = PrincipalFactory(name="Gammal AB", status="inactive")
    med_anvandare = PrincipalFactory(name="Aktiv AB")
    MembershipFactory(principal=med_anvandare)
    client = login(staff)

    def names(**params):
        return re.findall(r'/huvudman/\d+/">([^<]+)<', client.get(LIST, params).text)

    assert names(organiser_type="KOMMUN") == ["Kommunen"]
    assert names(county=kommun.county.pk) == ["Kommunen"]
    assert names(municipality=Municipality.objects.get(code="2281").pk) == ["Kommunen"]
    assert names(status="inactive") == ["Gammal AB"]
    assert names(has_users="yes") == ["Aktiv AB"]
    assert "Aktiv AB" not in names(has_users="no")
    assert names(sort="-name") == ["Kommunen", "Gammal AB", "Aktiv AB"]
    assert gammal.name in names()


def test_register_paginates(login, staff):
    for i in range(55):
        PrincipalFactory(name=f"P {i:02d}")
    client = login(staff)
    first = client.get(LIST).text
    assert "P 00" in first and "P 50" not in first
    assert "Sida 1 av 2" in first
    second = client.get(LIST, {"page": 2}).text
    assert "P 54" in second


def test_csv_export_is_exactly_the_filtered_list(login, staff):
    PrincipalFactory(name="Kommunen", organiser_type="KOMMUN", pupils=None)
    PrincipalFactory(name="Friskolan AB", is_demo=True)
    client = login(staff)
    response = client.get(EXPORT, {"organiser_type": "ENSKILD"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Organisationsnummer", "Namn"]
    assert [r[1] for r in rows[1:]] == ["Friskolan AB"]
    assert rows[1][-1] == "Ja"
    everything = client.get(EXPORT).getvalue().decode("utf-8-sig")
    assert "Kommunen" in everything


def test_the_export_counts_units_and_users_as_the_register_page_does(login, staff):
    counted = PrincipalFactory(name="Räknade kommunen")
    SchoolUnitFactory.create_batch(3, principal=counted)
    SchoolUnitFactory(principal=counted, in_register=False)  # left Skolverket's register
    MembershipFactory(principal=counted)
    MembershipFactory(principal=counted, user=UserFactory(is_active=False))
    PrincipalFactory(name="Tomma kommunen")
    client = login(staff)
    rows = list(
        csv.reader(io.StringIO(client.get(EXPORT).getvalue().decode("utf-8-sig")), delimiter=";")
    )
    header = rows[0]
    by_name = {row[1]: row for row in rows[1:]}
    units, users = header.index("Skolenheter"), header.index("Användare")
    assert (by_name["Räknade kommunen"][units], by_name["Räknade kommunen"][users]) == ("3", "1")
    assert (by_name["Tomma kommunen"][units], by_name["Tomma kommunen"][users]) == ("0", "0")
    page = client.get(LIST, {"q": "Räknade"}).text
    assert re.search(r'<td class="num">3</td>\s*<td class="num">1</td>', page)


def test_the_register_filters_list_a_new_municipality_at_once(login, staff):
    from principals.models import County, Municipality

    client = login(staff)
    assert "Nya kommunen" not in client.get(LIST).text
    PrincipalFactory(name="Ändrad")  # a change to the register leaves the filters as they were
    assert "Nya kommunen" not in client.get(LIST).text
    Municipality.objects.create(
        code="9998", name="Nya kommunen", county=County.objects.get(code="01")
    )
    assert ">Nya kommunen</option>" in client.get(LIST).text


def test_register_query_count_is_flat(login, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url) -> tuple[int, int]:
        """(queries, lines) of a request, counted before the next request empties the log."""
        client.get(url)  # new users move the cached sign-in's generation: read the user first
        cache.clear()  # the list is rendered afresh, not read from the cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
            body = response.getvalue()  # a streamed download queries as it is read
        return len(captured), body.count(b"\n")

    client = login(staff)
    make_principals(3)
    small, _lines = queries(LIST)
    export_small, small_rows = queries(EXPORT)
    make_principals(30, start=3)
    large, _lines = queries(LIST)
    export_large, large_rows = queries(EXPORT)
    assert large == small
    assert large_rows == small_rows + 30
    assert export_large == export_small


def test_principal_page_query_count_is_flat(login, staff, principal_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(staff)
    url = reverse("principals:principal-detail", args=[principal_a.pk])
    SchoolUnitFactory(principal=principal_a)
    MembershipFactory(principal=principal_a)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    small = len(captured)  # counted now: the next request empties the log
    SchoolUnitFactory.create_batch(10, principal=principal_a)
    MembershipFactory.create_batch(10, principal=principal_a)
    for i in range(10):
        invitation = Invitation(email=f"p{i}@example.se", principal=principal_a, invited_by=staff)
        invitation.new_token()
        invitation.save()
    client.get(url)  # new users move the cached sign-in's generation: read the user again first
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert "p9@example.se" in response.text
    assert len(large) == small


def test_staff_see_members_invitations_and_history_organisers_do_not_see_members(
    login, staff, editor_a, principal_a
):
    url = reverse("principals:principal-detail", args=[principal_a.pk])
    staff_page = login(staff).get(url).text
    assert "Medlemmar" in staff_page and "editor-a@example.se" in staff_page
    assert "Historik" in staff_page
    editor_page = login(editor_a).get(url).text
    assert "editor-a@example.se" not in editor_page
    assert "Ändra kontaktuppgifter" in editor_page


def test_demo_principals_are_marked(login, staff):
    demo = PrincipalFactory(is_demo=True)
    page = login(staff).get(reverse("principals:principal-detail", args=[demo.pk])).text
    assert "påhittade för demonstration" in page
    assert "Demo</span>" in login(staff).get(LIST).text


# --------------------------------------------------------------------------- contact details


def test_editor_updates_contact_details_with_history(login, editor_a, principal_a):
    client = login(editor_a)
    url = reverse("principals:principal-update", args=[principal_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "email": "ny@a.example",
            "phone": "010-1",
            "pupils": "300",
            "version": principal_a.version,
        },
    )
    assert response.status_code == 302
    principal_a.refresh_from_db()
    assert (principal_a.email, principal_a.pupils, principal_a.version) == ("ny@a.example", 300, 2)
    event = AuditEvent.objects.for_object(principal_a).get()
    assert event.actor == editor_a
    assert event.changes["pupils"] == [250, 300]


def test_invalid_contact_details_show_errors_and_change_nothing(login, editor_a, principal_a):
    client = login(editor_a)
    url = reverse("principals:principal-update", args=[principal_a.pk])
    response = client.post(url, {"email": "inte-en-adress", "pupils": "-3", "version": 1})
    assert response.status_code == 200
    assert "error-summary" in response.text
    principal_a.refresh_from_db()
    assert principal_a.email == ""


def test_stale_contact_edit_is_refused_and_shows_what_changed(login, editor_a, principal_a):
    client = login(editor_a)
    url = reverse("principals:principal-update", args=[principal_a.pk])
    client.post(url, {"email": "first@a.example", "pupils": "250", "version": 1})
    response = client.post(url, {"email": "second@a.example", "pupils": "250", "version": 1})
    assert response.status_code == 200
    assert "Någon annan sparade kontaktuppgifterna" in response.text
    assert "first@a.example" in response.text
    principal_a.refresh_from_db()
    assert principal_a.email == "first@a.example"
    assert 'name="version" value="2"' in response.text


# --------------------------------------------------------------------------- invitations


def invite(client, principal, email="ny.person@kommun.example", role="editor"):
    return client.post(
        reverse("principals:invitation-create", args=[principal.pk]),
        {"email": email, "role": role},
    )


def link_from_mail(message) -> str:
    return re.search(r"http://testserver(/huvudman/inbjudan/[^/\s]+/)", message.body).group(1)


def test_invitation_mail_link_sets_password_and_lands_on_the_organisation(
    client, login, staff, principal_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(login(staff), principal_a)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ny.person@kommun.example"]
    assert "Inbjudan till Huvudman A" in message.subject
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    path = link_from_mail(message)
    assert path.split("/")[-2] not in invitation.token_hash  # only the hash is stored
    client.logout()
    page = client.get(path)
    assert "Ta emot inbjudan" in page.text
    weak = client.post(path, {"password1": "kort", "password2": "kort"})
    assert "error-summary" in weak.text
    response = client.post(
        path, {"password1": "Lagom-langt-losen-42", "password2": "Lagom-langt-losen-42"}
    )
    assert response["Location"] == reverse("principals:principal-detail", args=[principal_a.pk])
    membership = Membership.objects.get(principal=principal_a)
    assert membership.user.email == "ny.person@kommun.example"
    assert membership.role == "editor"
    assert client.get(response["Location"]).status_code == 200
    # single use
    assert client.get(path).status_code == 404
    actions = list(AuditEvent.objects.for_object(principal_a).values_list("action", flat=True))
    assert actions == [AuditEvent.Action.INVITATION_ACCEPTED, AuditEvent.Action.INVITED]


def test_existing_account_is_linked_directly_and_told_by_mail(
    login, staff, principal_a, django_capture_on_commit_callbacks
):
    user = UserFactory(email="finns@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        invite(login(staff), principal_a, email="Finns@example.se", role="reader")
    assert Membership.objects.get(user=user, principal=principal_a).role == "reader"
    assert Invitation.objects.count() == 0
    assert "Du har fått tillgång till Huvudman A" in mail.outbox[0].subject
    assert AuditEvent.objects.for_object(principal_a).get().action == "member_added"
    again = invite(login(staff), principal_a, email="finns@example.se")
    assert "är redan medlem" in again.text


def test_duplicate_pending_invitation_is_refused(login, staff, principal_a):
    client = login(staff)
    invite(client, principal_a)
    response = invite(client, principal_a)
    assert "har redan en inbjudan som väntar" in response.text
    assert Invitation.objects.count() == 1


def test_resend_gives_a_new_link_and_the_old_one_stops_working(
    client, login, staff, principal_a, django_capture_on_commit_callbacks
):
    staff_client = login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff_client, principal_a)
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("principals:invitation-resend", args=[invitation.pk]))
    old, new = link_from_mail(mail.outbox[0]), link_from_mail(mail.outbox[1])
    assert old != new
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_invitation_mail_is_a_delivery_record_sent_once_per_link(login, staff, principal_a):
    from portal import outbox
    from portal.models import OutgoingMail

    client = login(staff)
    invite(client, principal_a)
    invitation = Invitation.objects.get()
    first = OutgoingMail.objects.get()
    assert first.key == f"invitation:{invitation.pk}:{invitation.token_hash[:16]}"
    assert (first.kind, first.status, first.to) == ("invitation", "sent", [invitation.email])
    assert (first.topic, first.label) == (f"principal:{principal_a.pk}", "Huvudman A")
    assert first.secret and first.body == ""  # the link is not kept once it was handed over
    assert first.created_by_label == staff.get_full_name()
    assert first.subject == mail.outbox[0].subject == "Inbjudan till Huvudman A i Skoldigistöd"
    # The same link queued again (a retried task) is the same message: nothing more is sent.
    again = outbox.Mail(key=first.key, kind="invitation", to=first.to, subject="x", body="y")
    assert outbox.queue(again) == 0
    client.post(reverse("principals:invitation-resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    second = OutgoingMail.objects.exclude(pk=first.pk).get()
    assert second.key == f"invitation:{invitation.pk}:{invitation.token_hash[:16]}" != first.key
    assert second.status == "sent"
    assert len(mail.outbox) == 2
    assert link_from_mail(mail.outbox[0]) != link_from_mail(mail.outbox[1])


def test_mail_to_an_existing_member_keeps_its_text(login, staff, principal_a):
    from portal.models import OutgoingMail

    UserFactory(email="finns@example.se")
    invite(login(staff), principal_a, email="finns@example.se", role="reader")
    membership = Membership.objects.get(principal=principal_a)
    message = OutgoingMail.objects.get()
    assert (message.key, message.kind) == (f"membership:{membership.pk}:added", "member_added")
    assert (message.status, message.secret) == ("sent", False)
    assert "Läsare" in message.body and message.body == mail.outbox[0].body


def test_invitation_mail_is_in_swedish_whatever_language_the_staff_member_reads(
    login, staff, principal_a, settings
):
    client = login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    invite(client, principal_a, role="reader")
    message = mail.outbox[0]
    assert message.subject == "Inbjudan till Huvudman A i Skoldigistöd"
    assert "som Läsare" in message.body


def test_revoked_and_expired_links_do_not_work(client, login, staff, principal_a):
    staff_client = login(staff)
    invite(staff_client, principal_a, email="a@example.se")
    invitation = Invitation.objects.get()
    token = invitation.new_token()
    invitation.save()
    staff_client.post(reverse("principals:invitation-revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    url = reverse("principals:invitation-accept", args=[token])
    assert client.get(url).status_code == 404
    assert "Länken fungerar inte" in client.get(url).text
    response = login(staff).post(reverse("principals:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 302  # already revoked: a message, nothing else

    expired = Invitation(email="b@example.se", principal=principal_a)
    token = expired.new_token()
    expired.expires_at = timezone.now() - timedelta(minutes=1)
    expired.save()
    client.logout()
    assert client.get(reverse("principals:invitation-accept", args=[token])).status_code == 404
    assert client.get(reverse("principals:invitation-accept", args=["nonsense"])).status_code == 404


def test_invitation_for_an_address_that_got_an_account_meanwhile_links_it(
    client, staff, principal_a, principal_b, login
):
    staff_client = login(staff)
    invite(staff_client, principal_a, email="tva@example.se")
    first = Invitation.objects.get()
    token_a = first.new_token()
    first.save()
    invitation_b = Invitation(email="tva@example.se", principal=principal_b, role="reader")
    token_b = invitation_b.new_token()
    invitation_b.save()
    client.logout()
    client.post(
        reverse("principals:invitation-accept", args=[token_a]),
        {"password1": "Lagom-langt-losen-42", "password2": "Lagom-langt-losen-42"},
    )
    client.logout()
    url = reverse("principals:invitation-accept", args=[token_b])
    assert "Du har redan ett konto" in client.get(url).text
    response = client.post(url)
    assert response["Location"] == reverse("login")
    user = Membership.objects.get(principal=principal_a).user
    assert Membership.objects.get(principal=principal_b).user == user


def test_staff_remove_a_member_with_history(login, staff, editor_a, principal_a):
    membership = Membership.objects.get(user=editor_a)
    login(staff).post(reverse("principals:membership-delete", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.for_object(principal_a).get()
    assert event.action == "member_removed"
    assert "editor-a@example.se" in event.note
    assert event.actor == staff


# --------------------------------------------------------------------------- import upload


def upload(client, fixture_path, name, **options):
    with open(fixture_path(name), "rb") as fh:
        return post_file(client, name, fh.read(), **options)


def test_upload_shows_dry_run_then_confirm_imports(login, staff, fixture_path):
    client = login(staff)
    assert client.get(reverse("principals:import-upload")).status_code == 200
    response = upload(client, fixture_path, "organizers.json")
    batch = ImportBatch.objects.get()
    assert started_job(response).result_url == reverse("principals:import-detail", args=[batch.pk])
    page = follow(client, response)
    assert "Kontroll före import" in page
    assert "Testkommun Sundsvall" in page
    assert "website" in page  # skipped field reported
    assert Principal.objects.count() == 0
    response = client.post(reverse("principals:import-apply", args=[batch.pk]))
    assert Principal.objects.count() == 3
    page = follow(client, response)
    assert "Resultat av importen" in page
    assert AuditEvent.objects.filter(action="imported", actor=staff).count() == 3
    # a second confirmation does nothing
    response = client.post(reverse("principals:import-apply", args=[batch.pk]), follow=True)
    assert "Den här filen är redan hanterad." in response.text
    assert AuditEvent.objects.filter(action="imported").count() == 3


def test_upload_with_invalid_records_cannot_be_applied_all_or_nothing(login, staff, fixture_path):
    client = login(staff)
    response = upload(client, fixture_path, "invalid_records.json")
    page = follow(client, response)
    assert "Importera nu" not in page
    assert "Okänd kommunkod." in page
    batch = ImportBatch.objects.get()
    response = client.post(reverse("principals:import-apply", args=[batch.pk]))
    assert "Ingenting importerades: filen har felaktiga poster." in follow(client, response)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert Principal.objects.count() == 0


def test_upload_skip_invalid_and_full_import(login, staff, fixture_path):
    client = login(staff)
    response = upload(client, fixture_path, "invalid_records.json", skip_invalid="on")
    batch = ImportBatch.objects.get()
    assert "Importera nu" in follow(client, response)
    client.post(reverse("principals:import-apply", args=[batch.pk]))
    assert Principal.objects.count() == 1
    PrincipalFactory(name="Saknas AB")
    response = upload(client, fixture_path, "organizers.json", full="on")
    page = follow(client, response)
    assert "Saknas AB" in page and "Poster markerade som inaktiva" in page


def test_upload_rejects_wrong_type_too_large_and_malformed_files(
    login, staff, fixture_path, monkeypatch
):
    client = login(staff)
    response = client.post(
        reverse("principals:import-upload"),
        {"file": SimpleUploadedFile("register.xlsx", b"PK\x03\x04")},
    )
    assert "Välj en JSON- eller CSV-fil" in response.text
    monkeypatch.setattr("principals.forms.MAX_UPLOAD_BYTES", 10)
    response = upload(client, fixture_path, "organizers.json")
    assert "Filen är för stor" in response.text
    monkeypatch.undo()
    assert ImportBatch.objects.count() == 0  # refused by the form: nothing kept, no job
    response = upload(client, fixture_path, "malformed.json")
    assert "är inte giltig JSON" in follow(client, response)
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert Principal.objects.count() == 0


def test_another_staff_members_upload_is_404(login, staff, fixture_path):
    from tests.portal.factories import staff_user

    upload(login(staff), fixture_path, "organizers.json")
    batch = ImportBatch.objects.get()
    other = login(staff_user(username="other-staff"))
    assert other.get(reverse("principals:import-detail", args=[batch.pk])).status_code == 404
    assert other.post(reverse("principals:import-apply", args=[batch.pk])).status_code == 404
    assert SchoolUnit.objects.count() == 0
