"""Optimistic locking: a form carries the version it was opened at; a stale save is refused.

Models that staff or organisers edit together get a `version` field (VersionedModel). A service
locks the row, compares the version the person saw with the current one, and raises EditConflict
with the row as it is now; the view compares it with what the person sent and shows what changed
meanwhile instead of silently overwriting.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class EditConflict(Exception):
    """Someone else saved the record after this person opened it."""

    def __init__(self, current: models.Model):
        super().__init__(f"{current!r} changed since it was opened")
        self.current = current


def lock_if_unchanged(queryset: models.QuerySet, pk, seen_version: int) -> models.Model:
    """Lock the row for this transaction and return it, or raise EditConflict."""
    current = queryset.select_for_update().get(pk=pk)
    if int(seen_version) != current.version:
        raise EditConflict(current)
    return current
