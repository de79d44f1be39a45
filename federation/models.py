"""Identities from a school's login service (SAML) or an e-ID broker (OIDC), tied to accounts.

An identity is found by who vouches for it (the IdP's entityID or the broker's issuer) and the
identifier they give (eduPersonPrincipalName, or the broker's `sub`); never by an e-mail address.
Access to an organiser still comes only from a membership: an invitation accepted while logged
in this way, or a request that staff approve under a per-IdP rule.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from principals.models import Membership, Principal


class FederatedIdentity(models.Model):
    class Method(models.TextChoices):
        SAML = "saml", _("School login (SAML)")
        OIDC = "oidc", _("e-ID (OpenID Connect)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="federated_identities",
    )
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    issuer = models.CharField(_("login service"), max_length=500)
    subject = models.CharField(_("identifier"), max_length=255)
    # What the last assertion said: the school-unit codes it carried, for staff approving access.
    school_unit_codes = models.JSONField(_("school unit codes"), default=list, blank=True)
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("federated identity")
        verbose_name_plural = _("federated identities")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "issuer", "subject"], name="federation_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.issuer})"


class IdpAccessRule(models.Model):
    """Members of this IdP may request access to this organiser; staff approve each request."""

    issuer = models.CharField(_("login service"), max_length=500)
    principal = models.ForeignKey(
        Principal,
        verbose_name=_("school organiser"),
        on_delete=models.CASCADE,
        related_name="idp_access_rules",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.READER
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("login service access rule")
        verbose_name_plural = _("login service access rules")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "principal"], name="federation_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} → {self.principal}"


class AccessRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=AccessRequest.Status.PENDING)


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    identity = models.ForeignKey(
        FederatedIdentity,
        verbose_name=_("federated identity"),
        on_delete=models.CASCADE,
        related_name="access_requests",
    )
    rule = models.ForeignKey(
        IdpAccessRule,
        verbose_name=_("rule"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("access request", "decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "rule"],
                condition=models.Q(status="pending"),
                name="federation_one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.identity} → {self.rule.principal}"
