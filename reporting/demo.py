"""Demonstration final report: a draft for the 2020 agreement with a few sections written.

Idempotent: an existing report is left alone. Every written text starts with "Demotext" so
nobody mistakes it for SKR's real report.
"""

from agreement import data_2020

from . import final_report_services as services
from . import publication
from .models import FinalReport

ACTOR = "load_demo"

TEXTS = {
    "summary": (
        "*Demotext, påhittad för att visa portalen.*\n\n"
        "SKR har under 2020–2022 stöttat huvudmännen i arbetet med e-legitimation, "
        "federerad inloggning och ändamålsenliga digitala ekosystem.\n\n"
        "## Det viktigaste i korthet\n\n"
        "- Webbinarier och nätverk har nått många huvudmän.\n"
        "- Upphandlingsstödet för skoladministrativa system har använts i flera regioner.\n"
        "- Andelen huvudmän som är redo för de digitala nationella proven har ökat."
    ),
    "initiative-11": (
        "*Demotext.* Arbetet med initiativ 11 har handlat om att stödja huvudmännen att skaffa "
        "e-legitimation för personal och att ansluta till [Skolfederation]"
        "(https://www.skolfederation.se/)."
    ),
    "results": (
        "*Demotext.* Tabellerna nedan jämför den första och den senaste uppföljningsomgången. "
        "Siffrorna bygger på huvudmännens egna självskattningar."
    ),
}


def load(stdout) -> list[tuple[str, str]]:
    for reporting_round in publication.rounds_to_publish():
        publication.publication_create(reporting_round=reporting_round, actor=ACTOR)
        stdout.write(f"  {reporting_round.name}: siffrorna publicerade")
    agreement, _created = data_2020.load()
    if FinalReport.objects.filter(agreement=agreement).exists():
        return []
    report = services.report_create(agreement=agreement, actor=ACTOR)
    for section in report.sections.filter(key__in=TEXTS):
        services.section_update(
            section=section,
            actor=ACTOR,
            title=section.title,
            body=TEXTS[section.key],
            seen_version=section.version,
        )
    stdout.write(f"Slutredovisning (utkast, demo) för {agreement.title[:60]} …\n")
    return []
