"""What the reporting app adds to the portal's shared pages (portal/sections.py): the
dashboards' and the final report's menu links and start-page sections, and the organiser's
own figures beside the published ones on the organiser's page."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreement.models import Agreement
from federation.models import AccessRequest
from portal.permissions import (
    EDIT_FINAL_REPORT,
    MANAGE_PRINCIPALS,
    VIEW_AGGREGATES,
    VIEW_PRINCIPAL_DATA,
    VIEW_PROGRAMME,
)
from portal.roles import Role
from portal.sections import Link, Parts, Section

from . import disclosure, publication


def principal_comparison(user, principal) -> dict:
    """The organiser's answers in the latest published round beside the published figures."""
    return {
        "principal": principal,
        "comparison": publication.comparison(principal=principal),
        "threshold": disclosure.THRESHOLD,
    }


def final_reports_due(user, principal) -> dict:
    """Agreements whose final report is not submitted, nearest due date first; one query."""
    today = timezone.localdate()
    agreements = (
        Agreement.objects.not_reported()
        .exclude(final_report__state="submitted")
        .select_related("final_report")
        .order_by("final_report_due", "pk")
    )
    return {
        "reports": [
            {
                "agreement": a,
                "report": getattr(a, "final_report", None),
                "days_left": a.days_to_final_report(today),
            }
            for a in agreements
        ]
    }


def federated_login(user, principal) -> dict:
    """Staff's way to the access requests from school logins (with how many wait) and to the
    comparison of self-assessed login answers with the federations' metadata; one query."""
    may_decide = user.has_perm(MANAGE_PRINCIPALS)
    return {
        "may_decide": may_decide,
        "may_compare": user.has_perm(VIEW_PRINCIPAL_DATA),
        "pending": AccessRequest.objects.pending().count() if may_decide else 0,
    }


DASHBOARDS = Section("reporting/partials/dash_start.html")


def parts() -> Parts:
    return Parts(
        links=[
            Link("reporting:readiness-dashboard", _("Readiness dashboard"), VIEW_AGGREGATES),
            Link("reporting:programme-dashboard", _("Programme dashboard"), VIEW_PROGRAMME),
            # Organisers see their own figures beside the national ones on their page; the
            # national figures themselves are the open data.
            Link("reporting:opendata", _("National figures and open data"), Role.ORGANISER),
            Link("reporting:report-list", _("Final report"), EDIT_FINAL_REPORT),
        ],
        start={
            Role.STAFF: [
                DASHBOARDS,
                Section("reporting/partials/report_start_staff.html", final_reports_due),
                Section("reporting/partials/login_start_staff.html", federated_login),
            ],
            Role.GOVERNMENT: [DASHBOARDS],
        },
        principal=[
            Section("reporting/partials/dash_principal_compare_body.html", principal_comparison)
        ],
    )
