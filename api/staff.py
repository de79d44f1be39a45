"""Programme staff's reads: the register, rounds and their status, reminders, the programme's
activities with milestones and costs. Each checks the key's user's permission as the pages do."""

from django.db.models import Prefetch
from ninja import Query, Router

from agreement.models import Activity, Cost, Milestone
from portal import outbox
from portal.permissions import MANAGE_ROUNDS, VIEW_PROGRAMME, require
from principals import access
from readiness import selectors
from readiness.models import Reminder, ReportingRound

from .auth import KeyAuth
from .organiser import Paging, RoundCode, organiser_out, pk_page, round_for
from .schemas import ActivityPage, OrganiserPage, ReminderStatus, RoundList, RoundOut

router = Router(auth=KeyAuth(), tags=["Programmet"])


@router.get(
    "/organisers",
    response=OrganiserPage,
    url_name="organisers",
    summary="Lista huvudmannaregistret",
)
def organisers_list(request, paging: Query[Paging]):
    """The register of organisers the key may see (an organiser's key: its own), by
    organisation number order of creation; the same three queries on every page."""
    principals = (
        access.api_visible_principals(request.api_actor, only=request.api_key.principal_id)
        .select_related("county")
        .prefetch_related("municipalities")
    )
    return pk_page(request, principals, paging, "organisers", organiser_out)


def _round_out(reporting_round: ReportingRound, counts: dict | None = None) -> dict:
    out = {
        "code": reporting_round.code,
        "name": reporting_round.name,
        "opens": reporting_round.opens_on,
        "closes": reporting_round.closes_on,
        "status": reporting_round.status,
        "published": reporting_round.published_at,
    }
    if counts is not None:
        out.update(
            organisers=counts["total"],
            submitted=counts["submitted"],
            inProgress=counts["in_progress"],
            notStarted=counts["not_started"],
        )
    return out


@router.get(
    "/rounds", response=RoundList, url_name="rounds", summary="Lista uppföljningsomgångarna"
)
def rounds_list(request):
    """Every reporting round with its status and number of submissions."""
    require(request.api_actor, MANAGE_ROUNDS)
    values = []
    for reporting_round in selectors.rounds_with_counts():
        out = _round_out(reporting_round)
        out["submitted"] = reporting_round.submitted
        values.append(out)
    return {"count": len(values), "values": values}


@router.get(
    "/rounds/{round_code}", response=RoundOut, url_name="round", summary="Läs en uppföljningsomgång"
)
def round_get(request, round_code: RoundCode):
    """One round with how many active organisers have submitted, started or not started."""
    require(request.api_actor, MANAGE_ROUNDS)
    reporting_round = round_for(round_code)
    return _round_out(reporting_round, selectors.round_counts(reporting_round))


@router.get(
    "/rounds/{round_code}/reminders",
    response=ReminderStatus,
    url_name="round-reminders",
    summary="Läs omgångens påminnelser",
)
def reminders_get(request, round_code: RoundCode):
    """Reminders sent in the round and how their e-mail fared."""
    require(request.api_actor, MANAGE_ROUNDS)
    reporting_round = round_for(round_code)
    reminders = list(
        Reminder.objects.filter(round=reporting_round)
        .select_related("principal")
        .order_by("-sent_at", "-id")[:1000]
    )
    summary = outbox.summary(f"round:{reporting_round.pk}", failed_limit=0)
    return {
        "round": round_code,
        "reminders": Reminder.objects.filter(round=reporting_round).count(),
        "mail": {str(k): v for k, v in summary.counts.items()},
        "values": [
            {
                "organisationNumber": r.principal.organisation_number,
                "sent": r.sent_at,
                "recipients": len(r.recipients),
            }
            for r in reminders
        ],
    }


@router.get(
    "/programme/activities",
    response=ActivityPage,
    url_name="activities",
    summary="Lista programmets insatser",
)
def activities_list(request, paging: Query[Paging]):
    """The programme's activities (insatser) with their milestones and costs."""
    require(request.api_actor, VIEW_PROGRAMME)
    activities = (
        Activity.objects.filter(archived_at__isnull=True)
        .select_related("agreement")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "pk")),
            Prefetch("costs", queryset=Cost.objects.order_by("incurred_on", "pk")),
        )
    )
    return pk_page(
        request,
        activities,
        paging,
        "activities",
        lambda a: {
            "id": a.pk,
            "agreement": a.agreement.title,
            "title": a.title,
            "status": a.status,
            "plannedStart": a.planned_start,
            "plannedEnd": a.planned_end,
            "milestones": [
                {"title": m.title, "due": m.due_on, "completed": m.completed_on}
                for m in a.milestones.all()
            ],
            "costs": [
                {"incurred": c.incurred_on, "amountSek": float(c.amount), "category": c.category}
                for c in a.costs.all()
            ],
        },
    )
