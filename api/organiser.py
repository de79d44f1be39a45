"""An organiser's own data through its key: the principal, school units and members, and the
self-assessment with exactly the form's rules (readiness/services.py: validation, drafts,
optimistic concurrency through If-Match, submission by editors only)."""

from typing import Annotated

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import StringConstraints

from portal import audit
from principals import access
from principals.models import Membership, Principal
from readiness import selectors, services
from readiness.models import Assessment, ReportingRound

from .auth import KeyAuth, require_write
from .paging import DEFAULT_LIMIT, MAX_LIMIT, make_token, next_url, read_token
from .problems import Problem
from .schemas import (
    AssessmentOut,
    DiffOut,
    DraftIn,
    FrameworkOut,
    MemberPage,
    OrganiserOut,
    PlanOut,
    SchoolUnitPage,
    SubmissionOut,
    VersionList,
)

router = Router(auth=KeyAuth(), tags=["Huvudman"])

ORGNR = r"^(16)?\d{6}-?\d{4}$"
ROUND = r"^[a-z0-9-]{1,200}$"
OrgNr = Annotated[str, StringConstraints(pattern=ORGNR)]
RoundCode = Annotated[str, StringConstraints(pattern=ROUND)]


class Paging(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    pageToken: str | None = Field(None, max_length=2000)


def principal_for(request, number: str, *, answers=False) -> Principal:
    key = request.api_key
    return access.get_principal_by_number(
        request.api_actor, number, only=key.principal_id, answers=answers
    )


def round_for(code: str) -> ReportingRound:
    """A round by its code (its name in lower case with dashes: "hosten-2025")."""
    found = [
        r for r in ReportingRound.objects.select_related("framework_version") if r.code == code
    ]
    if len(found) != 1:
        raise Http404
    return found[0]


def organiser_out(principal: Principal) -> dict:
    return {
        "organisationNumber": principal.organisation_number,
        "name": principal.name,
        "organiserType": principal.organiser_type,
        "status": principal.status,
        "countyCode": principal.county.code if principal.county_id else None,
        "municipalityCodes": sorted(m.code for m in principal.municipalities.all()),
        "pupils": principal.pupils,
        "updated": principal.updated_at,
    }


def pk_page(request, queryset, paging, scope: str, shape) -> dict:
    """Keyset paging by primary key: the same few queries on every page."""
    after = read_token(paging.pageToken, scope=scope)
    if after is not None and not isinstance(after, int):
        raise Problem("invalid-page-token", _("Start from the first page again."))
    count = queryset.count()
    rows = list(
        (queryset.filter(pk__gt=after) if after else queryset).order_by("pk")[: paging.limit + 1]
    )
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    token = make_token(after=rows[-1].pk, scope=scope) if more else None
    return {
        "count": count,
        "values": [shape(row) for row in rows],
        "nextPage": next_url(request, token),
        "nextPageToken": token,
    }


@router.get(
    "/organisers/{organisation_number}",
    response=OrganiserOut,
    url_name="organiser",
    summary="Läs huvudmannen",
)
def organiser_get(request, organisation_number: OrgNr):
    """The organiser, by its organisation number (NNNNNN-NNNN)."""
    principal = principal_for(request, organisation_number)
    principal = (
        Principal.objects.select_related("county")
        .prefetch_related("municipalities")
        .get(pk=principal.pk)
    )
    return organiser_out(principal)


@router.get(
    "/organisers/{organisation_number}/school-units",
    response=SchoolUnitPage,
    url_name="organiser-school-units",
    summary="Lista huvudmannens skolenheter",
)
def school_units_list(request, paging: Query[Paging], organisation_number: OrgNr):
    principal = principal_for(request, organisation_number)
    units = principal.school_units.select_related("municipality")
    return pk_page(
        request,
        units,
        paging,
        f"units:{principal.pk}",
        lambda u: {
            "code": u.code,
            "name": u.name,
            "status": u.status,
            "unitType": u.unit_type,
            "schoolTypes": list(u.school_types),
            "municipalityCode": u.municipality.code if u.municipality_id else None,
            "startDate": u.start_date,
            "endDate": u.end_date,
        },
    )


@router.get(
    "/organisers/{organisation_number}/members",
    response=MemberPage,
    url_name="organiser-members",
    summary="Lista huvudmannens medlemmar",
)
def members_list(request, paging: Query[Paging], organisation_number: OrgNr):
    """Names and roles, as the organiser's page shows its members (no e-mail addresses)."""
    principal = principal_for(request, organisation_number)
    members = Membership.objects.filter(principal=principal).select_related("user")
    return pk_page(
        request,
        members,
        paging,
        f"members:{principal.pk}",
        lambda m: {
            "name": m.user.get_full_name().strip() or _("Name not given"),
            "role": m.role,
            "memberSince": m.created_at,
        },
    )


# ---------------------------------------------------------------- the self-assessment

BASE = "/organisers/{organisation_number}/self-assessments/{round_code}"


def _answers_of(version) -> dict:
    return version.answers if version else {}


def _version_ref(version, numbers, reader) -> dict | None:
    if version is None:
        return None
    return {
        "submission": numbers.get(version.number),
        "kind": version.kind,
        "created": version.created_at,
        "createdBy": audit.actor_shown(version.created_by, version.created_by_label, reader),
        "answers": _answers_of(version),
    }


def _assessment_out(principal, reporting_round, assessment, reader) -> dict:
    indicators = selectors.indicators_for(reporting_round.framework_version)
    working = assessment.working if assessment else None
    numbers = (
        selectors.submission_numbers(list(assessment.versions.only("number", "kind")))
        if assessment
        else {}
    )
    progress = selectors.progress(indicators, _answers_of(working))
    return {
        "organisationNumber": principal.organisation_number,
        "round": reporting_round.code,
        "state": assessment.state if assessment else Assessment.State.NOT_STARTED,
        "version": assessment.version if assessment else 1,
        "editable": services.is_editable(assessment, reporting_round),
        "progress": {
            "answered": progress.answered,
            "total": progress.total,
            "requiredLeft": progress.required_left,
        },
        "draft": _version_ref(assessment.draft if assessment else None, numbers, reader),
        "current": _version_ref(assessment.current if assessment else None, numbers, reader),
        "returnedComment": assessment.returned_comment if assessment else "",
    }


IF_MATCH = r'^(W/)?"?[0-9]{1,9}"?$'
# Required, though typed optional: without it the answer is 428, not the schema's 400; the
# published description shows it required (v1.py `document_concurrency`).
IfMatch = Annotated[
    str | None,
    Header(
        None,
        alias="If-Match",
        pattern=IF_MATCH,
        description='The version you read (ETag), e.g. "3"; required',
        examples=['"1"'],
    ),
]


def if_match(header: str | None) -> int:
    """The version the client read, from If-Match ("3", W/"3" or 3); required on writes."""
    if not header:
        raise Problem(
            "precondition-required",
            _("Send the version you read in If-Match, so no one else's save is overwritten."),
        )
    return int(header.removeprefix("W/").strip('"'))


def _etag(response, version: int) -> None:
    response["ETag"] = f'"{version}"'


ETAG = {
    "ETag": {
        "description": 'The self-assessment\'s version, e.g. "3": send it back in If-Match',
        "schema": {"type": "string"},
    }
}
SUBMISSION_REFUSED = (
    "invalid-content: a required answer is missing or not valid, the round is closed, or "
    "nothing has changed since the last submission (nothing to submit); `detail` says which"
)


def _unchanged(request, principal, reporting_round, assessment, answers, seen) -> bool:
    """Whether saving would change nothing and the form's Save would allow it: the version
    read is the current one, the answers pass the form's checks and are what the form opens
    with (services.draft_changes, as the form's steps decide it), and the key's person may
    change them now. Otherwise the service decides, refusing as the form does."""
    return (
        seen == (assessment.version if assessment else 1)
        and not services.validate_answers(
            framework=reporting_round.framework_version, answers=answers, complete=False
        )
        and not services.draft_changes(assessment, answers)
        and access.is_editor_member(request.api_actor, principal)
        and services.is_editable(assessment, reporting_round)
    )


@router.get(
    BASE + "/framework",
    response=FrameworkOut,
    url_name="assessment-framework",
    summary="Läs omgångens frågor",
)
def framework_get(
    request,
    organisation_number: OrgNr,
    round_code: RoundCode,
):
    """The round's questions in form order, with the values each answer may take."""
    principal_for(request, organisation_number, answers=True)
    reporting_round = round_for(round_code)
    indicators = selectors.indicators_for(reporting_round.framework_version)
    return {
        "name": reporting_round.framework_version.name,
        "round": round_code,
        "indicators": [
            {
                "code": i.code,
                "area": i.area.title,
                "question": i.question,
                "helpText": i.help_text,
                "answerType": i.answer_type,
                "options": [{"value": v, "label": str(label)} for v, label in i.options()],
                "required": i.required,
                "minValue": i.min_value,
                "maxValue": i.max_value,
                "initiative": i.initiative,
                "tags": list(i.tags),
            }
            for i in indicators
        ],
    }


@router.get(
    BASE,
    response=AssessmentOut,
    url_name="assessment",
    summary="Läs självskattningen",
    openapi_extra={"responses": {200: {"headers": ETAG}}},
)
def assessment_get(
    request,
    response: HttpResponse,
    organisation_number: OrgNr,
    round_code: RoundCode,
):
    """The draft and the last submission, and the version to send in If-Match (also ETag)."""
    principal = principal_for(request, organisation_number, answers=True)
    reporting_round = round_for(round_code)
    assessment = selectors.assessment_for(principal, reporting_round)
    out = _assessment_out(principal, reporting_round, assessment, request.api_actor)
    _etag(response, out["version"])
    return out


@router.put(
    BASE + "/draft",
    response=AssessmentOut,
    url_name="assessment-draft",
    summary="Spara utkastet",
    openapi_extra={"responses": {200: {"headers": ETAG}, 412: {"headers": ETAG}}},
)
def draft_put(
    request,
    response: HttpResponse,
    body: DraftIn,
    organisation_number: OrgNr,
    round_code: RoundCode,
    if_match_header: IfMatch = None,
):
    """Save every answer of the draft (required ones may be missing), as the form's Save.
    Answers that are what the form opens with save nothing: no new version, and a submitted
    self-assessment stays submitted; the answer is the self-assessment as it is."""
    principal = principal_for(request, organisation_number, answers=True)
    require_write(request)
    reporting_round = round_for(round_code)
    seen = if_match(if_match_header)
    assessment = selectors.assessment_for(principal, reporting_round)
    if not _unchanged(request, principal, reporting_round, assessment, body.answers, seen):
        services.assessment_save_draft(
            principal=principal,
            reporting_round=reporting_round,
            answers=body.answers,
            seen_version=seen,
            actor=request.api_actor,
        )
        assessment = selectors.assessment_for(principal, reporting_round)
    out = _assessment_out(principal, reporting_round, assessment, request.api_actor)
    _etag(response, out["version"])
    return out


@router.post(
    BASE + "/submission",
    response={201: SubmissionOut},
    url_name="assessment-submission",
    summary="Skicka in självskattningen",
    openapi_extra={
        "responses": {
            201: {"headers": ETAG},
            412: {"headers": ETAG},
            422: {"description": SUBMISSION_REFUSED},
        }
    },
)
def submission_post(
    request,
    response: HttpResponse,
    organisation_number: OrgNr,
    round_code: RoundCode,
    if_match_header: IfMatch = None,
):
    """Submit the saved draft, as the review page's Submit: every required answer is needed,
    and something must have changed since the last submission."""
    principal = principal_for(request, organisation_number, answers=True)
    require_write(request)
    reporting_round = round_for(round_code)
    seen = if_match(if_match_header)
    assessment = selectors.assessment_for(principal, reporting_round)
    working = assessment.working if assessment else None
    version = services.assessment_submit(
        principal=principal,
        reporting_round=reporting_round,
        answers=_answers_of(working),
        seen_version=seen,
        actor=request.api_actor,
    )
    version.assessment.refresh_from_db(fields=["version"])
    _etag(response, version.assessment.version)
    return Status(
        201,
        {
            "submission": selectors.submission_number(version),
            "version": version.assessment.version,
            "submitted": version.created_at,
        },
    )


@router.get(
    BASE + "/versions",
    response=VersionList,
    url_name="assessment-versions",
    summary="Lista självskattningens versioner",
)
def versions_list(
    request,
    organisation_number: OrgNr,
    round_code: RoundCode,
):
    """Every saved version, newest first: drafts and submissions (numbered 1, 2, …)."""
    principal = principal_for(request, organisation_number, answers=True)
    assessment = selectors.assessment_for(principal, round_for(round_code))
    versions = list(selectors.versions_of(assessment)) if assessment else []
    numbers = selectors.submission_numbers(versions)
    values = [
        {
            "submission": numbers.get(v.number),
            "kind": v.kind,
            "created": v.created_at,
            "createdBy": audit.actor_shown(v.created_by, v.created_by_label, request.api_actor),
        }
        for v in versions
    ]
    return {"count": len(values), "values": values}


class DiffQuery(Schema):
    fromSubmission: int = Field(..., alias="from", ge=1, le=100000)
    toSubmission: int = Field(..., alias="to", ge=1, le=100000)


@router.get(
    BASE + "/diff",
    response=DiffOut,
    url_name="assessment-diff",
    summary="Jämför två inskickade versioner",
)
def diff_get(
    request,
    query: Query[DiffQuery],
    organisation_number: OrgNr,
    round_code: RoundCode,
):
    """What changed between two submissions, as the history's comparison shows it."""
    principal = principal_for(request, organisation_number, answers=True)
    reporting_round = round_for(round_code)
    assessment = selectors.assessment_for(principal, reporting_round)
    old = selectors.submitted_version(assessment, query.fromSubmission) if assessment else None
    new = selectors.submitted_version(assessment, query.toSubmission) if assessment else None
    if old is None or new is None:
        raise Http404
    indicators = selectors.indicators_for(reporting_round.framework_version)
    rows = selectors.diff_answers(indicators, old.answers, new.answers)
    return {
        "fromSubmission": query.fromSubmission,
        "toSubmission": query.toSubmission,
        "values": [
            {
                "indicatorCode": row["indicator"].code if row["indicator"] else row["code"],
                "old": row["old"],
                "new": row["new"],
                "oldComment": row["old_comment"],
                "newComment": row["new_comment"],
            }
            for row in rows
        ],
    }


@router.get(
    BASE + "/action-plan",
    response=PlanOut,
    url_name="assessment-action-plan",
    summary="Läs handlingsplanen",
)
def action_plan_get(
    request,
    organisation_number: OrgNr,
    round_code: RoundCode,
):
    """What is not yet achieved in the last submission, questions for the digital national
    tests first, as the action plan page lists it."""
    principal = principal_for(request, organisation_number, answers=True)
    reporting_round = round_for(round_code)
    assessment = selectors.assessment_for(principal, reporting_round)
    current = assessment.current if assessment else None
    indicators = selectors.indicators_for(reporting_round.framework_version)
    rows = selectors.action_plan(indicators, _answers_of(current)) if current else []
    return {
        "basedOn": selectors.submission_number(current),
        "values": [
            {
                "indicatorCode": row["indicator"].code,
                "question": row["indicator"].question,
                "answer": row["answer"],
                "comment": row["comment"],
                "digitalNationalTests": row["indicator"].is_dnp,
            }
            for row in rows
        ],
    }
