"""How long invitations and uploaded register files are kept (portal/retention.py reads this).

An invitation's address is in the organiser's history ("invited anna@…"): once the invitation
is deleted, an address that belongs to no account is replaced there, so the entry still says
that someone was invited.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower

from portal import personal_data
from portal.retention import REMOVED_ADDRESS, Purge, Rule, register

from .models import ImportBatch, Invitation


def _forget_addresses(invitations, purge: Purge) -> None:
    addresses = {e.lower() for e in invitations.values_list("email", flat=True)}
    users = get_user_model().objects.annotate(address=Lower("email"))
    kept = set(users.filter(address__in=addresses).values_list("address", flat=True))
    purge.replacements += personal_data.replacements_for(addresses - kept, REMOVED_ADDRESS)


for key, age, where in (
    ("invitations-revoked", "revoked_at", Q(revoked_at__isnull=False)),
    ("invitations-accepted", "accepted_at", Q(accepted_at__isnull=False, revoked_at__isnull=True)),
    ("invitations-expired", "expires_at", Q(accepted_at__isnull=True, revoked_at__isnull=True)),
):
    register(
        Rule(
            key=key,
            model=Invitation._meta.label,
            age=age,
            period="RETENTION_INVITATION_DAYS",
            where=where,
            apply=_forget_addresses,
        )
    )

register(
    Rule(
        key="import-files",
        model=ImportBatch._meta.label,
        age="created_at",
        period="RETENTION_IMPORT_FILE_DAYS",
    )
)
