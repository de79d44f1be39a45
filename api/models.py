"""API keys and their use. A key is shown once; only its SHA-256 is stored (it is random enough
that a keyed or slow hash adds nothing), found by its public prefix."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from principals.models import Principal

KEY_START = "sdk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(prefix, whole key): the prefix is public and identifies the key in lists and history."""
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiKey(models.Model):
    """Acts with its user's rights; an organiser's key only for its own principal."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key identifier"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text=_("Empty for a programme staff key."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def audit_code(self) -> str:
        """How events name the key as their actor (portal/audit.py)."""
        return f"api-key:{self.prefix}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class ApiKeyUse(models.Model):
    """One request made with a key: kept API_KEY_USE_DAYS days (docs/api.md)."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=7)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("API key use")
        verbose_name_plural = _("API key uses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.key.prefix} {self.method} {self.path} {self.status}"
