"""The accessibility statement has every part DIGG requires, and its feedback form works.

DIGG's list: https://www.digg.se/kunskap-och-stod/digital-tillganglighet/skapa-en-tillganglighetsredogorelse
"""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from portal.accessibility import check_statement
from portal.audit import Action
from portal.models import AccessibilityFeedback, AuditEvent, OutgoingMail
from tests.portal.factories import staff_user

pytestmark = pytest.mark.django_db
URL = reverse("portal:accessibility")
GOOD = {
    "message": "Knappen Spara går inte att nå med tangentbordet.",
    "page": "/huvudman/1/",
    "name": "Kim Berg",
    "email": "kim.berg@kommun.example.se",
}


def part(html: str, name: str) -> str:
    found = re.search(rf'<(\w+)[^>]*data-part="{name}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"the statement has no part {name!r}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2))).strip()


def test_statement_has_every_required_part(client):
    html = client.get(URL).content.decode()
    # The public actor and the service.
    assert "Sveriges Kommuner och Regioner (SKR)" in html
    assert "Skoldigistöd" in html
    # Compliance, in the law's words, against EN 301 549 / WCAG 2.1 AA.
    compliance = part(html, "compliance")
    assert "delvis förenlig" in compliance
    assert "EN 301 549" in compliance and "WCAG 2.1" in compliance and "AA" in compliance
    # What is not accessible, and why.
    problems = re.findall(r"<li>(.*?)</li>", html[html.index('data-part="problems"') :], re.S)
    assert problems and all("Varför:" in p for p in problems[:4])
    # Exemptions (12 §) and content outside the law (9 §) are accounted for.
    assert part(html, "exemptions") and part(html, "out-of-scope")
    # How and when it was assessed; when the statement was updated.
    method = part(html, "method")
    assert "självskattning" in method and "axe" in method and "1280" in method and "375" in method
    checks = part(html, "manual-checks")
    assert "tangentbord" in checks.lower() and "400 procent" in checks and "Tab" in checks
    assert "4 december 2026" in part(html, "assessed-on")
    assert "4 december 2026" in part(html, "updated-on")
    # A feedback function, and the link to DIGG's complaint service.
    assert 'data-part="feedback-form"' in html and 'name="message"' in html
    assert 'href="https://www.digg.se/tdosanmalan"' in html


@override_settings(
    ACCESSIBILITY_COMPLIANCE="full",
    ACCESSIBILITY_ASSESSED_ON="2027-03-01",
    ACCESSIBILITY_UPDATED_ON="2027-03-02",
)
def test_status_and_dates_come_from_settings(client):
    with time_machine.travel(datetime.date(2027, 3, 3)):
        html = client.get(URL).content.decode()
    assert "helt förenlig" in part(html, "compliance")
    assert "1 mars 2027" in part(html, "assessed-on")
    assert "2 mars 2027" in part(html, "updated-on")


def test_an_old_assessment_is_said_on_the_page_and_warned_by_check(client):
    with time_machine.travel(datetime.date(2027, 12, 4)):
        assert 'data-part="review-due"' not in client.get(URL).content.decode()
        assert check_statement() == []
    with time_machine.travel(datetime.date(2027, 12, 6)):
        assert "4 december 2026" in part(client.get(URL).content.decode(), "review-due")
        [warning] = check_statement()
    assert warning.id == "portal.W020"


@override_settings(ACCESSIBILITY_COMPLIANCE="nearly")
def test_an_unknown_status_is_an_error():
    [error] = check_statement()
    assert error.id == "portal.E020"


def test_feedback_reaches_staff_and_the_sender_gets_a_receipt(
    client, django_capture_on_commit_callbacks
):
    staff = staff_user(email="programmet@skr.example.se")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, GOOD, follow=True)
    feedback = AccessibilityFeedback.objects.get()
    assert (feedback.email, feedback.name, feedback.page) == (
        GOOD["email"],
        "Kim Berg",
        "/huvudman/1/",
    )
    assert feedback.sender is None and feedback.received_at is not None
    assert f"referens {feedback.reference}" in response.content.decode()
    by_to = {tuple(m.to): m for m in mail.outbox}
    to_staff = by_to[(staff.email,)]
    assert GOOD["message"] in to_staff.body and GOOD["email"] in to_staff.body
    receipt = by_to[(GOOD["email"],)]
    assert feedback.reference in receipt.subject and GOOD["message"] in receipt.body
    assert "https://www.digg.se/tdosanmalan" in receipt.body
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}
    event = AuditEvent.objects.for_object(feedback).get()
    assert event.action == Action.FEEDBACK_RECEIVED


@override_settings(ACCESSIBILITY_FEEDBACK_TO=["tillganglighet@skr.example.se"])
def test_a_signed_in_sender_is_stored_and_the_address_setting_is_used(login, editor_a):
    login(editor_a).post(URL, GOOD)
    assert AccessibilityFeedback.objects.get().sender == editor_a
    staff_mail = OutgoingMail.objects.get(kind="accessibility_feedback")
    assert staff_mail.to == ["tillganglighet@skr.example.se"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"email": ""}, "Ange din e-postadress, så att vi kan svara dig."),
        ({"email": "inte-en-adress"}, "Ange en e-postadress som namn@example.se."),
        ({"message": ""}, "Beskriv vad som inte fungerade."),
        ({"message": "Fel"}, "Beskriv problemet med några ord (minst 10 tecken)."),
    ],
)
def test_bad_input_is_refused_in_swedish_and_changes_nothing(client, change, error):
    response = client.post(URL, {**GOOD, **change})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not AccessibilityFeedback.objects.exists()
    assert not OutgoingMail.objects.exists()


@override_settings(ACCESSIBILITY_FEEDBACK_PER_HOUR=3)
def test_too_many_messages_from_one_address_are_refused(client):
    for _ in range(3):
        assert client.post(URL, GOOD).status_code == 302
    response = client.post(URL, GOOD)
    assert response.status_code == 429
    assert "Du har skickat flera meddelanden" in response.content.decode()
    assert AccessibilityFeedback.objects.count() == 3
    # Another address may still write.
    assert client.post(URL, GOOD, REMOTE_ADDR="10.9.9.9").status_code == 302
