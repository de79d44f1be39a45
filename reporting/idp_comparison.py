"""What organisers self-reported about their login service (IdP) and federations, beside what
the federations' metadata says (docs/login.md, "Self-assessment beside the metadata").

Here because it needs both readiness (the answers) and federation (the metadata), which are
siblings. It only reads: an organiser's answers are never changed from what is found here.
A fixed number of queries however many organisers there are: the verdicts are worked out in
Python over one row per organiser, so the list can be filtered by verdict and paginated.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from federation import metadata as federation_metadata
from federation import selectors as federation_selectors
from portal.collation import swedish_key
from principals.models import Principal
from readiness.models import Assessment, ReportingRound
from readiness.selectors import display_value, indicators_for

IDP_CODE = "idp"
FEDERATION_CODE = "federation"
NO_IDP = "none"  # the IdP question's "no login service"
NO_FEDERATION = "none"  # the federation question's "none"

AGREES = "agrees"
DISAGREES = "disagrees"
NOT_CONFIRMED = "not-confirmed"
NO_SELF_REPORT = "no-self-report"

VERDICTS = {
    AGREES: gettext_lazy("Agrees"),
    DISAGREES: gettext_lazy("Disagrees"),
    NOT_CONFIRMED: gettext_lazy("Not confirmed by the metadata"),
    NO_SELF_REPORT: gettext_lazy("No self-assessment"),
}
VERDICT_TAGS = {AGREES: "green", DISAGREES: "red", NOT_CONFIRMED: "amber", NO_SELF_REPORT: "grey"}


@dataclass
class Check:
    verdict: str
    text: str


@dataclass
class Row:
    principal_id: int
    name: str
    organisation_number: str
    state: str = ""  # the assessment's state label, "" without answers
    idp_answer: str = ""
    federation_answer: str = ""
    matches: list = field(default_factory=list)  # federation.selectors.IdpMatch
    checks: list[Check] = field(default_factory=list)
    verdict: str = NO_SELF_REPORT

    @property
    def verdict_label(self):
        return VERDICTS[self.verdict]

    @property
    def verdict_tag(self) -> str:
        return VERDICT_TAGS[self.verdict]

    metadata: list[dict] = field(default_factory=list)  # the matches as the page shows them


@dataclass
class Comparison:
    round: ReportingRound | None
    rows: list[Row]
    counts: dict[str, int]
    federations: list[str]  # the federations whose kept copy was read, as the answers name them
    idp_count: int
    unmatched_idps: list  # federation.selectors.MetadataIdp matched to no organiser
    federation_labels: dict[str, str]  # federation name -> the answer's label, if it is one


def latest_round() -> ReportingRound | None:
    """The most recent round that has opened: the one whose answers are compared."""
    return (
        ReportingRound.objects.filter(opens_on__lte=timezone.localdate())
        .select_related("framework_version")
        .order_by("-opens_on", "-id")
        .first()
    )


def _value(answer):
    return answer.get("value") if isinstance(answer, dict) else None


def _self_reports(reporting_round) -> dict[int, dict]:
    """{principal id: the latest saved answers to the two questions}, one query: the draft when
    there is one (saved, not yet submitted), else the last submission."""
    if reporting_round is None:
        return {}
    rows = (
        Assessment.objects.filter(round=reporting_round, principal__status=Principal.Status.ACTIVE)
        .filter(Q(draft__isnull=False) | Q(current__isnull=False))
        .values(
            "principal_id",
            "principal__name",
            "principal__organisation_number",
            "state",
            "draft_id",
            draft_idp=KeyTransform(IDP_CODE, "draft__answers"),
            draft_federation=KeyTransform(FEDERATION_CODE, "draft__answers"),
            current_idp=KeyTransform(IDP_CODE, "current__answers"),
            current_federation=KeyTransform(FEDERATION_CODE, "current__answers"),
        )
    )
    reports = {}
    for row in rows:
        source = "draft" if row["draft_id"] else "current"
        idp, federation = _value(row[f"{source}_idp"]), _value(row[f"{source}_federation"])
        if idp in (None, "", []) and federation in (None, "", []):
            continue
        reports[row["principal_id"]] = {**row, "idp": idp, "federation": federation}
    return reports


def _compare(row: Row, idp, federation, checkable: set[str], labels: dict[str, str]) -> None:
    in_federations = {m.idp.federation for m in row.matches}
    checks = row.checks
    if idp not in (None, ""):
        if row.matches and idp == NO_IDP:
            checks.append(
                Check(
                    DISAGREES,
                    _("The metadata has a login service, but the answer is “%(answer)s”.")
                    % {"answer": row.idp_answer},
                )
            )
        elif row.matches:
            checks.append(Check(AGREES, _("The metadata has a login service, as answered.")))
        elif idp == NO_IDP:
            checks.append(Check(AGREES, _("No login service in the metadata, as answered.")))
        else:
            checks.append(
                Check(NOT_CONFIRMED, _("No login service of this organiser is in the metadata."))
            )
    if isinstance(federation, list):
        named = set(federation)
        for name in sorted(checkable):
            label = labels.get(name, name)
            if name in in_federations and name in named:
                checks.append(
                    Check(AGREES, _("In %(federation)s, as answered.") % {"federation": label})
                )
            elif name in in_federations:
                checks.append(
                    Check(
                        DISAGREES,
                        _(
                            "The metadata has a login service in %(federation)s; the answer "
                            "does not name it."
                        )
                        % {"federation": label},
                    )
                )
            elif name in named:
                checks.append(
                    Check(
                        NOT_CONFIRMED,
                        _(
                            "The answer names %(federation)s, but its metadata has no login "
                            "service of this organiser."
                        )
                        % {"federation": label},
                    )
                )
    verdicts = {c.verdict for c in checks}
    for verdict in (DISAGREES, NOT_CONFIRMED, AGREES):
        if verdict in verdicts:
            row.verdict = verdict
            return
    row.verdict = NOT_CONFIRMED
    checks.append(Check(NOT_CONFIRMED, _("Nothing in the answers can be checked in the metadata.")))


def comparison() -> Comparison:
    """Every active organiser with a self-reported answer or an IdP in the metadata, by name."""
    reporting_round = latest_round()
    indicators = {}
    if reporting_round is not None:
        indicators = {
            i.code: i
            for i in indicators_for(reporting_round.framework_version)
            if i.code in (IDP_CODE, FEDERATION_CODE)
        }
    federation_question = indicators.get(FEDERATION_CODE)
    answer_values = dict(federation_question.options()) if federation_question else {}

    idps = federation_selectors.metadata_idps()
    configured = sorted(f.name for f in federation_metadata.federations() if f.copy_path.exists())
    # A federation is checked against the answer when it is named as the answer's value.
    checkable = {name for name in configured if name in answer_values and name != NO_FEDERATION}
    labels = {name: answer_values.get(name, name) for name in configured}
    labels.update({i.federation: answer_values.get(i.federation, i.federation) for i in idps})
    matches = federation_selectors.idps_by_principal(idps)
    reports = _self_reports(reporting_round)

    rows: dict[int, Row] = {}
    states = dict(Assessment.State.choices)
    for principal_id, report in reports.items():
        rows[principal_id] = Row(
            principal_id=principal_id,
            name=report["principal__name"],
            organisation_number=report["principal__organisation_number"],
            state=str(states.get(report["state"], report["state"])),
            idp_answer=display_value(indicators[IDP_CODE], report["idp"])
            if IDP_CODE in indicators
            else "",
            federation_answer=display_value(federation_question, report["federation"])
            if federation_question
            else "",
        )
    missing = set(matches) - set(rows)
    if missing:
        for principal in (
            Principal.objects.active()
            .filter(pk__in=missing)
            .values("pk", "name", "organisation_number")
        ):
            rows[principal["pk"]] = Row(
                principal_id=principal["pk"],
                name=principal["name"],
                organisation_number=principal["organisation_number"],
            )
    for principal_id, row in rows.items():
        row.matches = sorted(
            matches.get(principal_id, []), key=lambda m: (m.idp.federation, m.idp.name.casefold())
        )
        row.metadata = [
            {"name": m.idp.name, "federation": labels[m.idp.federation], "by_number": m.by_number}
            for m in row.matches
        ]
        report = reports.get(principal_id)
        if report is None:
            row.verdict = NO_SELF_REPORT
            continue
        _compare(
            row,
            report["idp"] if IDP_CODE in indicators else None,
            report["federation"] if federation_question else None,
            checkable,
            labels,
        )
    ordered = sorted(rows.values(), key=lambda r: (swedish_key(r.name), r.principal_id))
    counts = dict.fromkeys(VERDICTS, 0)
    for row in ordered:
        counts[row.verdict] += 1
    matched = {(m.idp.federation, m.idp.entity_id) for ms in matches.values() for m in ms}
    return Comparison(
        round=reporting_round,
        rows=ordered,
        counts=counts,
        federations=[labels[name] for name in configured],
        idp_count=len(idps),
        unmatched_idps=[i for i in idps if (i.federation, i.entity_id) not in matched],
        federation_labels=labels,
    )
