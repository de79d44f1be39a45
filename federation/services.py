"""Writes: logging in with a federated identity, linking and unlinking, access requests.

The rules of the issue: an identity is matched only by (method, issuer, subject), never by an
e-mail address; an unknown identity gets a new account without any access; access comes from
an invitation accepted while logged in this way, or from a request staff approve under a
per-IdP rule. Each step is an event in the history.
"""

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import Action, record
from principals.models import Invitation, Membership, hash_token

from .models import AccessRequest, FederatedIdentity, IdpAccessRule


class LoginRefused(Exception):
    """A federated login that is not let in; the message is for the person (Swedish in the UI)."""


@dataclass(frozen=True)
class Assertion:
    """What a login service vouched for, whatever the protocol."""

    method: str
    issuer: str
    subject: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    school_unit_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    user: object
    identity: FederatedIdentity
    account_created: bool = False
    linked: bool = False
    email_taken: bool = False


def _username_for(subject: str, issuer: str) -> str:
    User = get_user_model()
    candidate = "".join(c for c in subject if c.isalnum() or c in "@.+-_")[:120] or "user"
    if not User.objects.filter(username__iexact=candidate).exists():
        return candidate
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:10]
    return f"{candidate[:120]}+{digest}"


def _new_account(assertion: Assertion) -> tuple[object, bool]:
    """An account without any access; the address is kept only when no other account has it."""
    User = get_user_model()
    email_taken = (
        bool(assertion.email) and User.objects.filter(email__iexact=assertion.email).exists()
    )
    user = User(
        username=_username_for(assertion.subject, assertion.issuer),
        first_name=assertion.given_name[:150],
        last_name=assertion.family_name[:150],
        email="" if email_taken else assertion.email,
    )
    user.set_unusable_password()
    user.save()
    return user, email_taken


def login_resolve(*, assertion: Assertion, link_user=None) -> Outcome:
    """The account a verified assertion logs in to (creating or linking as the rules say)."""
    if not assertion.subject:
        raise LoginRefused(_("The login service did not say who you are (no identifier)."))
    now = timezone.now()
    with transaction.atomic(durable=True):
        identity = (
            FederatedIdentity.objects.select_for_update()
            .select_related("user")
            .filter(method=assertion.method, issuer=assertion.issuer, subject=assertion.subject)
            .first()
        )
        created = linked = email_taken = False
        if link_user is not None:
            if identity is not None and identity.user_id != link_user.pk:
                raise LoginRefused(
                    _("This login is already linked to another account in the portal.")
                )
            user = link_user
        elif identity is not None:
            user = identity.user
            if not user.is_active:
                raise LoginRefused(_("The account linked to this login is deactivated."))
        else:
            user, email_taken = _new_account(assertion)
            created = True
        if identity is None:
            identity = FederatedIdentity.objects.create(
                user=user,
                method=assertion.method,
                issuer=assertion.issuer,
                subject=assertion.subject,
            )
            linked = True
            record(
                actor=user,
                subject=identity,
                action=Action.CREATED,
                changes={
                    "method": [None, assertion.method],
                    "issuer": [None, assertion.issuer],
                    "user": [None, user.get_username()],
                },
            )
        previous = identity.last_login_at
        identity.last_login_at = now
        identity.school_unit_codes = list(assertion.school_unit_codes)
        identity.save(update_fields=["last_login_at", "school_unit_codes"])
        record(
            actor=user,
            subject=identity,
            action=Action.CHANGED,
            changes={
                "last_login_at": [
                    previous.isoformat() if previous else None,
                    now.isoformat(),
                ]
            },
        )
    return Outcome(
        user=user,
        identity=identity,
        account_created=created,
        linked=linked,
        email_taken=email_taken,
    )


def identity_unlink(*, identity: FederatedIdentity, actor) -> None:
    """Remove a link; refused when it is the account's only way to log in."""
    with transaction.atomic(durable=True):
        identity = FederatedIdentity.objects.select_for_update().get(pk=identity.pk)
        user = identity.user
        others = FederatedIdentity.objects.filter(user=user).exclude(pk=identity.pk).exists()
        if not user.has_usable_password() and not others:
            raise LoginRefused(
                _(
                    "This is the only way to log in to your account. Set a password "
                    "(Forgotten your password?) before you unlink it."
                )
            )
        record(
            actor=actor,
            subject=identity,
            action=Action.DELETED,
            changes={
                "method": [identity.method, None],
                "issuer": [identity.issuer, None],
                "user": [user.get_username(), None],
            },
        )
        identity.delete()


def access_request_create(*, identity: FederatedIdentity, rule: IdpAccessRule) -> AccessRequest:
    if rule.issuer != identity.issuer:
        raise LoginRefused(_("Your login service may not request access to this organiser."))
    if Membership.objects.filter(user=identity.user, principal=rule.principal).exists():
        raise LoginRefused(_("You already have access to this organiser."))
    try:
        with transaction.atomic(durable=True):
            request = AccessRequest.objects.create(identity=identity, rule=rule)
            record(
                actor=identity.user,
                subject=request,
                action=Action.CREATED,
                changes={
                    "principal": [None, rule.principal.organisation_number],
                    "issuer": [None, identity.issuer],
                    "role": [None, rule.role],
                },
            )
    except IntegrityError:
        raise LoginRefused(_("You have already asked for access to this organiser.")) from None
    return request


def access_request_decide(*, access_request: AccessRequest, actor, approve: bool) -> AccessRequest:
    """Staff approve (a membership with the rule's role) or reject a pending request."""
    with transaction.atomic(durable=True):
        current = (
            AccessRequest.objects.select_for_update()
            .select_related("identity__user", "rule__principal")
            .get(pk=access_request.pk)
        )
        if current.status != AccessRequest.Status.PENDING:
            raise LoginRefused(_("The request has already been decided."))
        current.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REJECTED
        current.decided_at = timezone.now()
        current.decided_by = actor
        current.save(update_fields=["status", "decided_at", "decided_by"])
        record(
            actor=actor,
            subject=current,
            action=Action.STATUS_CHANGED,
            changes={"status": [AccessRequest.Status.PENDING.value, current.status]},
        )
        if approve:
            user = current.identity.user
            _membership, made = Membership.objects.get_or_create(
                user=user, principal=current.rule.principal, defaults={"role": current.rule.role}
            )
            if made:
                record(
                    actor=actor,
                    subject=current.rule.principal,
                    action=Action.MEMBER_ADDED,
                    note=f"{user.get_full_name() or user.get_username()} ({current.rule.role})",
                )
    return current


def invitation_accept_signed_in(*, token: str, user) -> Invitation:
    """An invitation accepted by the signed-in (federated) user: the membership is theirs,
    whichever address the invitation was sent to; the link itself is the proof, as for
    password accounts. Single use."""
    with transaction.atomic(durable=True):
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("principal")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if invitation is None or not invitation.is_pending or invitation.is_expired:
            raise LoginRefused(_("The invitation link is not valid any more."))
        Membership.objects.get_or_create(
            user=user, principal=invitation.principal, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            actor=user,
            subject=invitation.principal,
            action=Action.INVITATION_ACCEPTED,
            note=f"{invitation.email} ({invitation.role})",
        )
    return invitation
