import pytest

from portal import audit
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(principal_a, staff):
    return audit.record(actor=staff, subject=principal_a, action=AuditEvent.Action.CREATED)


def test_admin_lists_and_shows_history_read_only(login, admin, event):
    client = login(admin)
    response = client.get("/admin/portal/auditevent/")
    assert response.status_code == 200
    assert "Huvudman A" in response.content.decode()
    detail = client.get(f"/admin/portal/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_admin_cannot_change_add_or_delete_history(login, admin, event):
    client = login(admin)
    client.post(f"/admin/portal/auditevent/{event.pk}/change/", {"note": "rewritten"})
    assert client.get("/admin/portal/auditevent/add/").status_code == 403
    assert (
        client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    client.post(
        "/admin/portal/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    event.refresh_from_db()
    assert event.note == ""
    assert AuditEvent.objects.count() == 1
