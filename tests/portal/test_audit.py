import pytest
from django.core.exceptions import ValidationError

from portal import audit
from portal.models import AuditEvent
from principals.models import Principal

pytestmark = pytest.mark.django_db


def test_record_change_stores_old_and_new_raw_values(principal_a, staff):
    """Facts, not labels: the choice's code is stored, its label is looked up when shown."""
    before = audit.snapshot(principal_a)
    principal_a.organiser_type = Principal.OrganiserType.KOMMUN
    principal_a.pupils = 300
    principal_a.save()
    audit.record_change(actor=staff, subject=principal_a, before=before)
    event = audit.history_for(principal_a).get()
    assert event.action == AuditEvent.Action.CHANGED
    assert event.actor == staff
    assert event.changes["pupils"] == [250, 300]
    assert event.changes["organiser_type"] == ["ENSKILD", "KOMMUN"]


def test_no_event_when_nothing_changed(principal_a, staff):
    audit.record_change(actor=staff, subject=principal_a, before=audit.snapshot(principal_a))
    assert not audit.history_for(principal_a).exists()


def test_history_cannot_be_updated_or_deleted_in_bulk(principal_a, staff):
    audit.record(actor=staff, subject=principal_a, action=AuditEvent.Action.CREATED)
    with pytest.raises(ValidationError, match="Historiken kan inte ändras"):
        AuditEvent.objects.all().update(note="rewritten")
    with pytest.raises(ValidationError, match="Historiken kan inte raderas"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_history_partial_renders_labels(principal_a, staff):
    from django.template import Context, Template

    before = audit.snapshot(principal_a)
    principal_a.pupils = 999
    principal_a.save()
    audit.record_change(actor=staff, subject=principal_a, before=before)
    html = Template("{% load portal %}{% history obj %}").render(Context({"obj": principal_a}))
    assert "Antal elever" in html and "999" in html
