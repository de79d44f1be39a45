"""Writes for principals: contact details, invitations, memberships and register imports.

Each function is one transaction that validates, saves and records an audit event; e-mail is
queued in the same transaction (portal/outbox.py) and sent by a worker. A register file is
checked and applied by a worker too (principals/tasks.py), as a job its uploader follows.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import jobs, outbox
from portal.audit import Action, diff, record, snapshot
from portal.concurrency import lock_if_unchanged
from portal.models import Job
from portal.permissions import MANAGE_PRINCIPALS

from . import importer
from .models import ImportBatch, Invitation, Membership, Principal, hash_token

CONTACT_FIELDS = ["email", "phone", "pupils"]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


# ----------------------------------------------------------------------------- contact details


def principal_update_contact(
    *,
    principal: Principal,
    actor,
    seen_version: int,
    email: str,
    phone: str,
    pupils: int | None,
) -> Principal:
    """An editor's or staff member's change of the organisation's own contact details."""
    with transaction.atomic():
        current = lock_if_unchanged(Principal.objects.all(), principal.pk, seen_version)
        before = snapshot(current, CONTACT_FIELDS)
        current.email, current.phone, current.pupils = email, phone, pupils
        changes = diff(before, snapshot(current, CONTACT_FIELDS))
        if changes:
            current.version += 1
            current.save(update_fields=[*CONTACT_FIELDS, "version", "updated_at"])
            record(actor=actor, subject=current, action=Action.CHANGED, changes=changes)
        return current


# ----------------------------------------------------------------------------- invitations


def _queue_mail(
    *,
    key: str,
    kind: str,
    principal: Principal,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    actor,
    secret: bool = False,
) -> None:
    """One message about `principal`, in Swedish, queued in the caller's transaction."""
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "base_url": settings.PORTAL_BASE_URL})
    outbox.queue(
        outbox.Mail(
            key=key,
            kind=kind,
            to=[to],
            subject=subject,
            body=body,
            topic=f"principal:{principal.pk}",
            label=principal.name,
            secret=secret,
        ),
        actor=actor,
    )


def _accept_url(token: str) -> str:
    path = reverse("principals:invitation-accept", kwargs={"token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _principal_url(principal: Principal) -> str:
    path = reverse("principals:principal-detail", kwargs={"pk": principal.pk})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _role_label(role: str) -> str:
    return str(dict(Membership.Role.choices)[role])


def invitation_create(
    *, principal: Principal, email: str, role: str, actor
) -> Invitation | Membership:
    """Invite by e-mail; an existing account with that address is linked straight away."""
    email = get_user_model().objects.normalize_email(email.strip())
    if role not in Membership.Role.values:
        raise ValidationError(_("Choose a role."), code="role")
    with transaction.atomic():
        Principal.objects.select_for_update().get(pk=principal.pk)
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            if Membership.objects.filter(user=user, principal=principal).exists():
                raise ValidationError(
                    _("%(email)s is already a member of this organisation.") % {"email": email},
                    code="member",
                )
            membership = Membership.objects.create(user=user, principal=principal, role=role)
            record(
                actor=actor,
                subject=principal,
                action=Action.MEMBER_ADDED,
                note=f"{email} ({_role_label(role)})",
            )
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("You have been given access to %(name)s in Skoldigistöd") % {
                    "name": principal.name
                }
            _queue_mail(
                key=f"membership:{membership.pk}:added",
                kind="member_added",
                principal=principal,
                to=email,
                subject=subject,
                template="principals/email/member_added.txt",
                context={
                    "principal": principal,
                    "role": Membership.Role(role).label,
                    "url": _principal_url(principal),
                },
                actor=actor,
            )
            return membership
        if principal.invitations.pending().filter(email__iexact=email).exists():
            raise ValidationError(
                _("%(email)s already has a pending invitation. Resend it instead.")
                % {"email": email},
                code="pending",
            )
        invitation = Invitation(email=email, principal=principal, role=role, invited_by=actor)
        token = invitation.new_token()
        invitation.save()
        record(
            actor=actor,
            subject=principal,
            action=Action.INVITED,
            note=f"{email} ({_role_label(role)})",
        )
        _mail_invitation(invitation, token, actor=actor)
        return invitation


def _mail_invitation(invitation: Invitation, token: str, *, actor) -> None:
    """The link, queued as its own message: each new token (a resend) is a new message."""
    principal = invitation.principal
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Invitation to %(name)s in Skoldigistöd") % {"name": principal.name}
    _queue_mail(
        # The hash's prefix names the token without revealing it.
        key=f"invitation:{invitation.pk}:{invitation.token_hash[:16]}",
        kind="invitation",
        principal=principal,
        to=invitation.email,
        subject=subject,
        template="principals/email/invitation.txt",
        context={
            "principal": principal,
            "role": Membership.Role(invitation.role).label,
            "url": _accept_url(token),
            "expires_at": invitation.expires_at,
        },
        actor=actor,
        secret=True,  # the link lets whoever holds it join the organisation
    )


def _pending_locked(invitation: Invitation) -> Invitation:
    current = (
        Invitation.objects.select_for_update().select_related("principal").get(pk=invitation.pk)
    )
    if not current.is_pending:
        raise ValidationError(_("The invitation has already been used or revoked."))
    return current


def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """A new link and a new week; the old link stops working."""
    with transaction.atomic():
        current = _pending_locked(invitation)
        token = current.new_token()
        current.save(update_fields=["token_hash", "sent_at", "expires_at"])
        record(
            actor=actor,
            subject=current.principal,
            action=Action.INVITATION_RESENT,
            note=current.email,
        )
        _mail_invitation(current, token, actor=actor)
        return current


def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    with transaction.atomic():
        current = _pending_locked(invitation)
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            subject=current.principal,
            action=Action.INVITATION_REVOKED,
            note=current.email,
        )
        return current


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired."""


def invitation_for_token(token: str) -> Invitation:
    invitation = Invitation.objects.by_token(token).select_related("principal").first()
    if invitation is None or not invitation.is_pending or invitation.is_expired:
        raise InvitationInvalid
    return invitation


def invitation_accept(*, token: str, password: str | None):
    """Create the account (or link the existing one) and the membership; single use.

    Returns (user, created). `password` is required when no account has the address yet.
    """
    User = get_user_model()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("principal")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if invitation is None or not invitation.is_pending or invitation.is_expired:
            raise InvitationInvalid
        user = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
        created = user is None
        if created:
            if not password:
                raise ValidationError(_("Choose a password."))
            username = invitation.email.lower()
            if User.objects.filter(username__iexact=username).exists():
                raise ValidationError(_("An account with this user name already exists."))
            user = User(username=username, email=invitation.email)
            user.set_password(password)
            user.save()
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
            note=f"{invitation.email} ({_role_label(invitation.role)})",
        )
        return invitation, user, created


def membership_remove(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("user", "principal")
            .get(pk=membership.pk)
        )
        label = (
            f"{current.user.email or current.user.get_username()} ({current.get_role_display()})"
        )
        principal = current.principal
        current.delete()
        record(
            actor=actor,
            subject=principal,
            action=Action.MEMBER_REMOVED,
            note=label,
        )


# ----------------------------------------------------------------------------- imports


def import_batch_create(
    *, actor, filename: str, content: bytes, full: bool, skip_invalid: bool
) -> ImportBatch:
    """Keep the uploaded file and start its check (the dry run) on a worker.

    The file is kept in the database, so the worker and every app server read the same bytes;
    the job's page shows the check, and a file that cannot be read fails it with the reason.
    """
    from .tasks import import_check

    filename = filename.replace("\x00", "")  # PostgreSQL cannot store NUL in text
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            uploaded_by=actor,
            filename=filename[:255],
            content=content,
            full=full,
            skip_invalid=skip_invalid,
            status=ImportBatch.Status.CHECKING,
        )
        job = jobs.start(
            task=import_check,
            kind="principals.import_check",
            title=_("Check of %(file)s") % {"file": batch.filename},
            owner=actor,
            params={"batch": str(batch.pk)},
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return ImportBatch.objects.defer("content").get(pk=batch.pk)


def import_batch_check(*, batch: ImportBatch) -> ImportBatch:
    """Parse and plan an uploaded file (the dry run); nothing in the register changes.

    A file that cannot be read marks the upload "not imported" with the reason and raises a
    ValidationError with it. A file checked already is left as it is (a job delivered twice).
    """
    current = ImportBatch.objects.get(pk=batch.pk)
    if current.status != ImportBatch.Status.CHECKING:
        return current
    error = None
    try:
        parsed = importer.parse_bytes(bytes(current.content), current.filename)
        plan = importer.build_plan(parsed, full=current.full, skip_invalid=current.skip_invalid)
    except importer.ImportFileError as file_error:
        error = str(file_error)
        status, report = ImportBatch.Status.FAILED, {"error": error}
    else:
        status, report = ImportBatch.Status.PLANNED, plan.summary()
    with transaction.atomic():
        updated = ImportBatch.objects.filter(
            pk=current.pk, status=ImportBatch.Status.CHECKING
        ).update(status=status, report=report)
    if error is not None and updated:
        advice = _("Nothing was changed. Correct the file and upload it again.")
        raise ValidationError(f"{error} {advice}", code="file")
    return ImportBatch.objects.defer("content").get(pk=current.pk)


def import_batch_confirm(*, batch: ImportBatch, actor, confirm_moves: bool = False) -> Job:
    """The person's "Import now": start the import on a worker and return its job.

    Refused when the file is not checked and waiting, and while an import of it is queued or
    running (a second click, another tab), so one file is applied once.
    """
    from .tasks import import_apply

    with transaction.atomic():
        current = (
            ImportBatch.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer join
            .select_related("job")
            .defer("content", "job__result")
            .get(pk=batch.pk)
        )
        working = current.job is not None and not current.job.finished
        if current.status == ImportBatch.Status.CHECKING:
            if working:
                raise ValidationError(
                    _("The file is still being checked. Wait until the check is done."),
                    code="checking",
                )
            raise ValidationError(
                _("The file could not be checked. Upload it again."), code="not_checked"
            )
        if working:
            raise ValidationError(
                _(
                    "This file is already being imported. Follow the import on its page; "
                    "it cannot be started twice."
                ),
                code="running",
            )
        if current.status != ImportBatch.Status.PLANNED:
            raise ValidationError(_("This file has already been handled."), code="handled")
        job = jobs.start(
            task=import_apply,
            kind="principals.import_apply",
            title=_("Import of %(file)s") % {"file": current.filename},
            owner=actor,
            params={
                "batch": str(current.pk),
                "confirm_moves": bool(confirm_moves),
                "actor": actor.pk,
            },
        )
        ImportBatch.objects.filter(pk=current.pk).update(job=job)
    return job


def import_actor(pk) -> Any:
    """The person who confirmed an import, as the worker acts for them (history names them);
    refused when they may no longer import."""
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not user.has_perm(MANAGE_PRINCIPALS):
        raise ValidationError(
            _("Nothing was imported: the person who started the import may no longer import."),
            code="actor",
        )
    return user


def import_batch_apply(
    *,
    batch: ImportBatch,
    actor,
    confirm_moves: bool = False,
    progress: importer.Progress | None = None,
) -> ImportBatch:
    """Import a checked upload. The plan is made again now, so the result reflects today's data.

    Moves (an organiser's type, county or municipalities) need confirm_moves, and it covers
    only the moves the person was shown: if the new plan moves others, nothing is written and
    the report is updated so they can look again. An upload imported already is left as it
    is, so a job delivered twice imports once.
    """
    refused = None
    with transaction.atomic():
        current = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if current.status == ImportBatch.Status.APPLIED:
            return current
        if current.status != ImportBatch.Status.PLANNED:
            raise ValidationError(_("This file has already been handled."), code="handled")
        shown = {item["key"] for item in current.report.get("moves", [])}
        parsed = importer.parse_bytes(bytes(current.content), current.filename)
        try:
            plan = importer.run_import(
                parsed,
                actor=actor,
                source=f"Skolverket: {current.filename}",
                full=current.full,
                skip_invalid=current.skip_invalid,
                confirm_moves=confirm_moves,
                confirmed_keys=shown,
                progress=progress,
            )
        except importer.ImportRejected as rejected:
            current.status = ImportBatch.Status.FAILED
            current.report = rejected.plan.summary()
        except importer.MovesNotConfirmed as moved:
            refused = moved
            current.report = moved.plan.summary()
            current.save(update_fields=["report"])
        else:
            current.status = ImportBatch.Status.APPLIED
            current.report = plan.summary()
        if refused is None:
            current.applied_at = timezone.now()
            current.save(update_fields=["status", "report", "applied_at"])
    if refused is not None:
        if confirm_moves:
            raise ValidationError(
                _(
                    "Nothing was imported: the register has changed since the check and other "
                    "organisers would move. Look at the moves again."
                ),
                code="moves_changed",
            )
        raise ValidationError(
            _("Nothing was imported: confirm the moves of organisers (the check box) to import."),
            code="moves_not_confirmed",
        )
    return current
