"""The objects every URL of the access matrix needs, built once for the whole module.

Principal A and B each get school units, a pending invitation, memberships and a submitted
self-assessment whose comment carries a marker (SECRET_A / SECRET_B), so a response can be
checked for leaked answers. Objects targeted by POST-only endpoints are chosen so that the
request, if let through, is refused by the service and changes nothing (an already closed round,
a published framework, an applied import, a revoked invitation, a fixed report section).
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

SECRET_A = "HEMLIGT-SVAR-HUVUDMAN-A"
SECRET_B = "HEMLIGT-SVAR-HUVUDMAN-B"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    principals: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # role: session key, logged in once


def ensure_reference_data() -> None:
    """Role groups and SCB reference data, in case a transactional test flushed them."""
    from django.contrib.auth.models import Group, Permission

    from portal.roles import GROUP_PERMISSIONS, ensure_role_groups
    from principals.models import County, Municipality
    from principals.reference import load_reference_data

    if Group.objects.filter(name__in=GROUP_PERMISSIONS).count() < len(GROUP_PERMISSIONS):
        ensure_role_groups(Group, Permission)
    if not Municipality.objects.exists():
        load_reference_data(County, Municipality)


def _users(world: World) -> None:
    from tests.portal.factories import (
        UserFactory,
        admin_user,
        government_user,
        lead_user,
        staff_user,
    )
    from tests.principals.factories import MembershipFactory, PrincipalFactory, SchoolUnitFactory

    a = PrincipalFactory(name="Matrisskolan A AB")
    b = PrincipalFactory(name="Matrisskolan B AB")
    world.principals = {"A": a, "B": b}
    for principal in (a, b):
        SchoolUnitFactory(principal=principal)
        SchoolUnitFactory(principal=principal)
    world.users = {
        "reader_a": MembershipFactory(
            principal=a, user__username="matrix-reader-a", role="reader"
        ).user,
        "editor_a": MembershipFactory(principal=a, user__username="matrix-editor-a").user,
        "staff": staff_user(username="matrix-staff"),
        "lead": lead_user(username="matrix-lead"),
        "government": government_user(username="matrix-government"),
        "admin": admin_user(username="matrix-admin"),
    }
    editor_b = MembershipFactory(principal=b, user__username="matrix-editor-b").user
    reader_b = MembershipFactory(principal=b, user__username="matrix-reader-b", role="reader")
    world.users["editor_b"] = editor_b
    world.objects["membership"] = {
        "A": world.users["reader_a"].memberships.get(),
        "B": reader_b,
    }
    world.objects["device_owner"] = UserFactory(username="matrix-device-owner")


def _invitations(world: World) -> None:
    from principals.models import Invitation

    invitations = {}
    for owner, principal in world.principals.items():
        invitation = Invitation(
            email=f"inbjuden-{owner.lower()}@example.se", principal=principal, role="reader"
        )
        world.tokens[owner] = invitation.new_token()
        invitation.save()
        invitations[owner] = invitation
    world.objects["invitation"] = invitations
    # Resend and revoke refuse all but pending invitations: a POST let through changes nothing.
    revoked = {}
    for owner, principal in world.principals.items():
        invitation = Invitation(
            email=f"aterkallad-{owner.lower()}@example.se",
            principal=principal,
            role="reader",
            revoked_at=timezone.now(),
        )
        invitation.new_token()
        invitation.save()
        revoked[owner] = invitation
    world.objects["revoked_invitation"] = revoked


def _import_batch(world: World) -> None:
    from principals.models import ImportBatch

    world.objects["import_batch"] = ImportBatch.objects.create(
        uploaded_by=world.users["staff"],
        filename="skolenhetsregistret.json",
        content=b"[]",
        status=ImportBatch.Status.APPLIED,
        report={"created": [], "changed": [], "deactivated": [], "problem_count": 0},
        applied_at=timezone.now(),
    )


def _programme(world: World) -> None:
    from tests.agreement.factories import (
        ActivityFactory,
        AgreementFactory,
        CommitmentFactory,
        CostFactory,
        DeliverableFactory,
        FundingYearFactory,
        InitiativeFactory,
        MilestoneFactory,
        PartnerFactory,
    )

    agreement = AgreementFactory(title="Matrisöverenskommelse")
    initiative = InitiativeFactory(number=11)
    agreement.initiatives.add(initiative)
    activity = ActivityFactory(agreement=agreement, initiatives=[initiative])
    world.objects.update(
        agreement=agreement,
        initiative=initiative,
        funding_year=FundingYearFactory(agreement=agreement, year=2021),
        commitment=CommitmentFactory(agreement=agreement),
        partner=PartnerFactory(name="Matrispartner"),
        activity=activity,
        milestone=MilestoneFactory(activity=activity),
        cost=CostFactory(activity=activity, amount=Decimal("1000")),
        deliverable=DeliverableFactory(activity=activity, principals=[world.principals["A"]]),
    )


def _readiness(world: World) -> None:
    from readiness.models import FrameworkVersion
    from readiness.services import framework_load_default
    from tests.readiness.factories import (
        AssessmentFactory,
        FrameworkVersionFactory,
        IndicatorFactory,
        ReportingRoundFactory,
        submitted_version,
    )

    framework = framework_load_default(actor="test")[0]
    today = timezone.localdate()
    open_round = ReportingRoundFactory(name="Matrisomgång", framework_version=framework)
    closed_round = ReportingRoundFactory(
        name="Stängd matrisomgång",
        framework_version=framework,
        opens_on=today - datetime.timedelta(days=200),
        closes_on=today - datetime.timedelta(days=150),
    )
    indicator = framework.indicators.filter(answer_type="rating").order_by("order").first()
    assessments = {}
    for owner, secret in (("A", SECRET_A), ("B", SECRET_B)):
        assessment = AssessmentFactory(principal=world.principals[owner], round=open_round)
        editor = world.users["editor_a" if owner == "A" else "editor_b"]
        submitted_version(
            assessment, {indicator.code: {"value": "started", "comment": secret}}, user=editor
        )
        assessments[owner] = assessment
    from reporting.publication import publication_create

    publication_create(reporting_round=closed_round, actor="test")
    draft = FrameworkVersionFactory(
        name="Matrisutkast", status=FrameworkVersion.Status.DRAFT, published_at=None
    )
    world.objects.update(
        framework=framework,
        open_round=open_round,
        closed_round=closed_round,
        assessment=assessments,
        draft_indicator=IndicatorFactory(area__framework=draft),
    )


def _final_reports(world: World) -> None:
    from reporting.final_report import services
    from reporting.models import FinalReport
    from tests.reporting.factories import report_agreement, write_all_sections

    staff, lead = world.users["staff"], world.users["lead"]
    draft = services.report_create(agreement=world.objects["agreement"], actor=staff)
    top = list(draft.sections.filter(initiative__isnull=True).order_by("order", "pk"))
    # The last fixed section: moving it down and deleting it are both refused without a change.
    world.objects.update(report=draft, section=top[-1])

    submitted = services.report_create(agreement=report_agreement(), actor=staff)
    write_all_sections(submitted)
    for actor, state in ((staff, FinalReport.State.IN_REVIEW), (lead, FinalReport.State.APPROVED)):
        submitted.refresh_from_db()
        services.report_transition(
            report=submitted, actor=actor, to_state=state, seen_version=submitted.version
        )
    submitted.refresh_from_db()
    services.report_submit(report=submitted, actor=lead, seen_version=submitted.version)
    # Its archival package is made, so asking for another is refused and changes nothing.
    services.package_build(report_pk=submitted.pk, actor=lead)
    world.objects["submitted_report"] = submitted


def _api_keys(world: World) -> None:
    """A revoked key of each principal: revoking it again is refused and changes nothing."""
    from api.models import ApiKey

    world.objects["revoked_api_key"] = {
        owner: ApiKey.objects.create(
            name=f"Matrisnyckel {owner}",
            prefix=f"matris{owner.lower()}"[:8],
            key_hash="0" * 64,
            user=world.users["editor_a" if owner == "A" else "editor_b"],
            principal=principal,
            expires_at=timezone.now() + datetime.timedelta(days=30),
            revoked_at=timezone.now(),
        )
        for owner, principal in world.principals.items()
    }


def _device(world: World) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # Owned by a user outside the matrix, so no role in it is asked for a second factor.
    world.objects["totp_device"] = TOTPDevice.objects.create(
        user=world.objects["device_owner"], name="Matrisenhet", confirmed=False
    )
    # A finished job with a file, owned by the same outsider: no role in the matrix sees it.
    from portal.models import Job

    data = b"a;b\r\n"
    world.objects["job"] = Job.objects.create(
        kind="matrix",
        title="Matrisjobb",
        owner=world.objects["device_owner"],
        status=Job.Status.DONE,
        result_name="matris.csv",
        result_type="text/csv",
        result=data,
        result_sha256=hashlib.sha256(data).hexdigest(),
    )


def build() -> World:
    ensure_reference_data()
    world = World()
    _users(world)
    _invitations(world)
    _import_batch(world)
    _programme(world)
    _final_reports(world)  # submitted before any round is open, as its checklist requires
    _readiness(world)
    _device(world)
    _api_keys(world)
    return world
