"""Demonstration final reports, written through the real services at the times they would be.

Closed rounds are published a few days after they closed. The 2020 agreement's report is
written in January and February 2023 and submitted on 24 February 2023 by the real submission
service, so it is frozen with its HTML, PDF, numbers and checksums like a real one; the current
demo agreement's report is a draft with a few sections written. Idempotent: an existing report
is left alone. Every written text starts with "Demotext" so nobody mistakes it for SKR's real
report, and the frozen document carries the demo notice on its cover.
"""

import datetime

from django.contrib.auth import get_user_model

from agreement import data_2020
from agreement.models import Agreement
from portal.demo import at, clock

from . import publication
from .final_report import services
from .models import FinalReport

ACTOR = "load_demo"
SUBMITTED_ON = datetime.date(2023, 2, 24)

DEMO = "*Demotext, påhittad för att visa portalen.*\n\n"
TEXTS_2020 = {
    "summary": DEMO
    + "SKR har under 2020–2022 stöttat huvudmännen i arbetet med e-legitimation, federerad "
    "inloggning och ändamålsenliga digitala ekosystem.\n\n"
    "## Det viktigaste i korthet\n\n"
    "- Webbinarier och nätverk har nått många huvudmän.\n"
    "- Upphandlingsstödet för skoladministrativa system har använts i flera regioner.\n"
    "- Andelen huvudmän som är redo för de digitala nationella proven har ökat mellan "
    "uppföljningarna 2021 och 2022.",
    "initiative-11": DEMO
    + "Arbetet med initiativ 11 har handlat om att stödja huvudmännen att skaffa "
    "e-legitimation för personal och att ansluta till [Skolfederation]"
    "(https://www.skolfederation.se/).",
    "initiative-12": DEMO
    + "Nätverket för användarcentrerad tjänsteutveckling har samlat huvudmän som vill "
    "utforma sina e-tjänster tillsammans med elever, vårdnadshavare och personal.",
    "initiative-13": DEMO
    + "Upphandlingsstödet har gett huvudmännen kravbilagor och checklistor för "
    "skoladministrativa system med krav på informationssäkerhet och utan teknisk inlåsning.",
    "results": DEMO + "Tabellerna nedan jämför uppföljningsomgångarna hösten 2021 och hösten 2022. "
    "Siffrorna bygger på huvudmännens egna självskattningar.",
    "finance": DEMO
    + "Medlen för 2020 användes till att starta upphandlingsstödet; resten av 2020 års "
    "medel redovisas som inte förbrukade.",
    "conclusions": DEMO
    + "Huvudmännen behöver fortsatt stöd inför de digitala nationella proven, särskilt de "
    "mindre enskilda huvudmännen.",
}
TEXTS_CURRENT = {
    "summary": DEMO + "Utkast: sammanfattningen skrivs när perioden närmar sig sitt slut.",
    "initiative-11": DEMO
    + "Stödet för anslutning till Skolfederation pågår; fler huvudmän har anslutit sedan "
    "förra uppföljningen.",
}


def _users():
    users = get_user_model().objects.filter(username__in=["demo-personal", "demo-ledning"])
    found = {u.username: u for u in users}
    return found.get("demo-personal"), found.get("demo-ledning")


def _write(report, texts: dict[str, str], *, actor, first_day: datetime.date) -> None:
    sections = report.sections.filter(key__in=texts).order_by("order", "pk")
    for index, section in enumerate(sections):
        with clock(at(first_day + datetime.timedelta(days=2 * index), 10 + index % 6, 15)):
            services.section_update(
                section=section,
                actor=actor,
                title=section.title,
                body=texts[section.key],
                seen_version=section.version,
            )


def _move(report, to_state: str, *, actor, when) -> None:
    report.refresh_from_db()
    with clock(when):
        services.report_transition(
            report=report, actor=actor, to_state=to_state, seen_version=report.version
        )


def _report_2020(agreement, officer, lead, stdout) -> None:
    """Written in January–February 2023 and submitted on 24 February, four days early."""
    with clock(at(datetime.date(2023, 1, 16), 9, 20)):
        report = services.report_create(agreement=agreement, actor=officer)
    _write(report, TEXTS_2020, actor=officer, first_day=datetime.date(2023, 1, 17))
    State = FinalReport.State
    _move(report, State.IN_REVIEW, actor=officer, when=at(datetime.date(2023, 2, 15), 11, 40))
    _move(report, State.APPROVED, actor=lead, when=at(datetime.date(2023, 2, 22), 14, 5))
    report.refresh_from_db()
    with clock(at(SUBMITTED_ON, 10, 30)):
        services.report_submit(report=report, actor=lead, seen_version=report.version)
    stdout.write(f"  Slutredovisning (demo) för {agreement.title[:50]} … inlämnad {SUBMITTED_ON}")


def _report_current(agreement, officer, stdout) -> None:
    today = datetime.date.today()
    with clock(at(today - datetime.timedelta(days=30), 13, 10)):
        report = services.report_create(agreement=agreement, actor=officer)
    _write(report, TEXTS_CURRENT, actor=officer, first_day=today - datetime.timedelta(days=20))
    stdout.write(f"  Slutredovisning (utkast, demo) för {agreement.title[:50]} …")


def load(stdout) -> list[tuple[str, str]]:
    for reporting_round in publication.rounds_to_publish():
        with clock(at(reporting_round.closes_on + datetime.timedelta(days=3), 10, 0)):
            publication.publication_create(reporting_round=reporting_round, actor=ACTOR)
        stdout.write(f"  {reporting_round.name}: siffrorna publicerade")
    officer, lead = _users()
    agreement, _created = data_2020.load()
    if not FinalReport.objects.filter(agreement=agreement).exists():
        if officer and lead:
            _report_2020(agreement, officer, lead, stdout)
        else:  # without the demo accounts nobody may approve: a draft only
            report = services.report_create(agreement=agreement, actor=ACTOR)
            _write(report, TEXTS_2020, actor=ACTOR, first_day=datetime.date(2023, 1, 17))
    current = Agreement.objects.filter(is_demo=True).order_by("-starts_on").first()
    if current is not None and not FinalReport.objects.filter(agreement=current).exists():
        _report_current(current, officer or ACTOR, stdout)
    return []
