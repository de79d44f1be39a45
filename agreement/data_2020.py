"""The 2020 agreement between the Government and SKR, from public sources.

The commitments are short summaries of the agreement's text, not quotations; each says so.
Only initiatives 11, 12 and 13 are loaded: their titles and purposes are known from SKR's
status list. The other fifteen initiatives of #skolDigiplan are left for staff to add.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from . import services
from .models import Agreement, Commitment, FundingYear, Initiative, Partner

ACTOR = "load_agreement_2020"

AGREEMENT = {
    "title": (
        "Digitaliseringens möjligheter för att främja kunskapsutveckling och likvärdighet "
        "i skolväsendet"
    ),
    "government_party": "Regeringen (Utbildningsdepartementet)",
    "counterparty": "Sveriges Kommuner och Regioner (SKR)",
    "signed_on": datetime.date(2020, 11, 13),
    "starts_on": datetime.date(2020, 11, 13),
    "ends_on": datetime.date(2022, 12, 31),
    "final_report_due": datetime.date(2023, 2, 28),
    "description": (
        "Överenskommelse mellan staten och SKR om stöd till skolväsendets huvudmän. "
        "Regeringen publicerade den 13 november 2020 och SKR den 18 november 2020. "
        "Målgrupp: alla huvudmän, skolor och andra utbildningsanordnare i skolväsendet. "
        "SKR:s namn på arbetet är Skoldigistöd. SKR lämnar en slutredovisning senast "
        "den 28 februari efter periodens slut."
    ),
}

FUNDING = {2020: Decimal("2500000"), 2021: Decimal("5000000"), 2022: Decimal("5000000")}

INITIATIVES = [
    {
        "number": 11,
        "title": "Säker och effektiv åtkomst till digitala resurser säkerställs",
        "purpose": (
            "Stödja huvudmännen i att skaffa e-legitimationer och andra inloggningsmetoder."
        ),
        "lead_actor": "SKR",
    },
    {
        "number": 12,
        "title": "Stärkt kompetens gällande användarcentrering hos huvudmännen",
        "purpose": (
            "Bygga huvudmännens förmåga att erbjuda användarcentrerade tjänster, det vill säga "
            "tjänster som möter användarnas behov och utformas tillsammans med dem."
        ),
        "lead_actor": "SKR",
    },
    {
        "number": 13,
        "title": (
            "Stöd tas fram för upphandling, tekniska lösningar och infrastruktur samt för "
            "pedagogisk och teknisk support"
        ),
        "purpose": (
            "Stöd för ändamålsenliga digitala ekosystem, bland annat upphandlingsstöd för "
            "skoladministrativa it-tjänster med krav på kvalitet och informationssäkerhet och "
            "utan teknisk inlåsning."
        ),
        "lead_actor": "SKR",
    },
]

SUMMARY = "Sammanfattning av överenskommelsens text, inte ett ordagrant citat."

COMMITMENTS = [
    (
        1,
        "E-legitimationer och inloggning",
        "SKR ska stödja huvudmännen i att skaffa e-legitimationer och andra "
        "inloggningsmetoder, så att åtkomsten till digitala resurser blir säker och effektiv.",
        [11],
    ),
    (
        2,
        "Användarcentrerade tjänster",
        "SKR ska stärka huvudmännens förmåga att erbjuda användarcentrerade tjänster, som "
        "möter användarnas behov och utformas tillsammans med användarna.",
        [12],
    ),
    (
        3,
        "Ändamålsenliga digitala ekosystem",
        "SKR ska stödja huvudmännen i att skapa ändamålsenliga digitala ekosystem, bland annat "
        "genom upphandlingsstöd för skoladministrativa it-tjänster där kvalitet, "
        "informationssäkerhet och frihet från teknisk inlåsning ställs i fokus. Med digitalt "
        "ekosystem avses en avgränsad teknisk miljö av infrastruktur, digital utrustning, "
        "digitala resurser och användare som samverkar med varandra.",
        [13],
    ),
]

PARTNERS = [
    (
        "Inera",
        "Samarbetspartner enligt överenskommelsen: gemensam digital infrastruktur för kommuner "
        "och regioner.",
        "https://www.inera.se/",
    ),
    (
        "SKL Kommentus",
        "Samarbetspartner enligt överenskommelsen: inköpscentral för kommuner och regioner.",
        "https://www.sklkommentus.se/",
    ),
    (
        "Skolverket",
        "Myndighet att samordna med: sektorsmyndighet för skolans digitalisering och "
        "digitala nationella prov.",
        "https://www.skolverket.se/",
    ),
    (
        "DIGG",
        "Myndighet att samordna med: Myndigheten för digital förvaltning, ansvarar för "
        "tillitsramverket för svensk e-legitimation.",
        "https://www.digg.se/",
    ),
    (
        "Internetstiftelsen",
        "Driver identitetsfederationen Skolfederation.",
        "https://internetstiftelsen.se/",
    ),
]


@transaction.atomic
def load() -> tuple[Agreement, bool]:
    """Create what is missing and never change what staff have edited since."""
    initiatives = {}
    for data in INITIATIVES:
        initiative = Initiative.objects.filter(number=data["number"]).first()
        if initiative is None:
            initiative = services.initiative_create(actor=ACTOR, fields=data)
        initiatives[data["number"]] = initiative

    for name, description, website in PARTNERS:
        if not Partner.objects.filter(name=name).exists():
            services.partner_create(
                actor=ACTOR,
                fields={"name": name, "description": description, "website": website},
            )

    agreement = Agreement.objects.filter(
        title=AGREEMENT["title"], signed_on=AGREEMENT["signed_on"]
    ).first()
    created = agreement is None
    if created:
        agreement = services.agreement_create(
            actor=ACTOR, fields=AGREEMENT, initiatives=initiatives.values()
        )
    for year, amount in FUNDING.items():
        if not FundingYear.objects.filter(agreement=agreement, year=year).exists():
            services.funding_year_create(
                actor=ACTOR, agreement=agreement, year=year, allocated=amount
            )
    for order, title, text, numbers in COMMITMENTS:
        if not Commitment.objects.filter(agreement=agreement, title=title).exists():
            services.commitment_create(
                actor=ACTOR,
                agreement=agreement,
                fields={"order": order, "title": title, "text": text, "source_note": SUMMARY},
                initiatives=[initiatives[n] for n in numbers],
            )
    return agreement, created
