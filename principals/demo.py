"""Demonstration organisers: every municipality and region plus private organisers, all marked.

Organisation numbers are valid-checksum numbers in ranges not used for real bodies (2999…
for public, 5999… for companies) and every record has is_demo=True, shown as "Demo" in the UI.
"""

from stdnum.se import orgnr

from portal.demo import ensure_user

from .models import County, Membership, Municipality, Principal, SchoolUnit

PRIVATE_NAMES = [
    "Lärande",
    "Kunskapsvägen",
    "Framtidsskolan",
    "Nordstjärnan",
    "Ekskolan",
    "Solbacken",
    "Vågskolan",
    "Linnéskolan",
    "Bergakademin",
    "Kompassen",
    "Fyrklövern",
    "Älvskolan",
    "Tallbacken",
    "Stjärnskolan",
    "Ängsskolan",
    "Hamnskolan",
    "Lärkan",
    "Källskolan",
    "Björkhagen",
    "Skogsbrynet",
    "Sjöviken",
    "Ljungskolan",
    "Vindskolan",
    "Ekorren",
    "Torget",
    "Kvarnskolan",
    "Bäckskolan",
    "Fjällskolan",
    "Rönnbäret",
    "Havsutsikten",
    "Klippan",
    "Stenhuggaren",
    "Fröet",
    "Idéskolan",
    "Lyktan",
    "Navet",
    "Pilen",
    "Spiran",
    "Trappan",
    "Vägvisaren",
]
PRIVATE_FORMS = ["AB", "ekonomisk förening", "stiftelse", "ideell förening"]
PRIVATE_PREFIX = {
    "AB": "5999",
    "ekonomisk förening": "7999",
    "stiftelse": "8999",
    "ideell förening": "8998",
}
MUNICIPALITY_CODE_FOR_ACCOUNTS = "2281"  # Sundsvall


def demo_orgnr(body9: str) -> str:
    return orgnr.format(body9 + orgnr.luhn.calc_check_digit(body9))


def _genitive(name: str) -> str:
    return name if name[-1] in "saeiouyåäöxz" else name + "s"


def _region_name(county_name: str) -> str:
    base = county_name.removesuffix(" län")
    return "Region " + (base[:-1] if base.endswith("s") else base)


def _unit_name(principal: Principal, k: int) -> str:
    if principal.organiser_type == Principal.OrganiserType.REGION:
        return f"{principal.name} naturbruksgymnasium"
    base = principal.name.removesuffix(" kommun").removesuffix(" Skolor AB")
    return f"{base} skola {k + 1}"


def load(stdout) -> list[tuple[str, str]]:
    municipalities = list(Municipality.objects.select_related("county").order_by("code"))
    counties = list(County.objects.order_by("code"))
    wanted: list[tuple[Principal, list[Municipality]]] = []
    for m in municipalities:
        wanted.append(
            (
                Principal(
                    organisation_number=demo_orgnr(f"2999{m.code}0"),
                    name=f"{_genitive(m.name)} kommun",
                    organiser_type=Principal.OrganiserType.KOMMUN,
                    county=m.county,
                    email=f"skola@{m.code}.demo.skoldigistod.invalid",
                    pupils=1000 + (int(m.code) * 37) % 9000,
                    is_demo=True,
                    source="Demodata",
                ),
                [m],
            )
        )
    by_county = {}
    for m in municipalities:
        by_county.setdefault(m.county_id, []).append(m)
    for c in counties:
        wanted.append(
            (
                Principal(
                    organisation_number=demo_orgnr(f"2998{c.code}000"),
                    name=_region_name(c.name),
                    organiser_type=Principal.OrganiserType.REGION,
                    county=c,
                    pupils=200 + int(c.code) * 11,
                    is_demo=True,
                    source="Demodata",
                ),
                by_county.get(c.pk, [])[:1],
            )
        )
    for i, word in enumerate(PRIVATE_NAMES):
        form = PRIVATE_FORMS[i % len(PRIVATE_FORMS)]
        m = municipalities[(i * 7) % len(municipalities)]
        wanted.append(
            (
                Principal(
                    organisation_number=demo_orgnr(f"{PRIVATE_PREFIX[form]}{i + 1:05d}"),
                    name=f"{word} {form}" if form != "AB" else f"{word} Skolor AB",
                    organiser_type=Principal.OrganiserType.ENSKILD,
                    county=m.county,
                    email=f"kontakt@{word.lower()}.demo.skoldigistod.invalid",
                    pupils=80 + (i * 53) % 900,
                    is_demo=True,
                    source="Demodata",
                ),
                [m],
            )
        )

    existing = set(
        Principal.objects.filter(is_demo=True).values_list("organisation_number", flat=True)
    )
    new = [(p, ms) for p, ms in wanted if p.organisation_number not in existing]
    if new:
        Principal.objects.bulk_create([p for p, _ in new], ignore_conflicts=True)
        ids = dict(
            Principal.objects.filter(
                organisation_number__in=[p.organisation_number for p, _ in new]
            ).values_list("organisation_number", "id")
        )
        through = Principal.municipalities.through
        through.objects.bulk_create(
            [
                through(principal_id=ids[p.organisation_number], municipality_id=m.pk)
                for p, ms in new
                for m in ms
            ],
            ignore_conflicts=True,
        )
        units = []
        for n, (p, ms) in enumerate(new):
            count = 2 if p.organiser_type == Principal.OrganiserType.KOMMUN else 1 + n % 3
            for k in range(count):
                pid = ids[p.organisation_number]
                units.append(
                    SchoolUnit(
                        code=f"99{pid % 100000:05d}{k}",
                        name=_unit_name(p, k),
                        principal_id=pid,
                        municipality=ms[0] if ms else None,
                        school_types=["GY"]
                        if p.organiser_type == Principal.OrganiserType.REGION
                        else (["FKLASS", "GR", "FTH"] if k == 0 else ["GR"]),
                        source="Demodata",
                    )
                )
        SchoolUnit.objects.bulk_create(units, ignore_conflicts=True)

    municipality = Principal.objects.get(
        organisation_number=demo_orgnr(f"2999{MUNICIPALITY_CODE_FOR_ACCOUNTS}0")
    )
    private = Principal.objects.get(organisation_number=demo_orgnr(f"{PRIVATE_PREFIX['AB']}00001"))
    accounts = [
        (
            "demo-kommun-redaktor",
            "Klara",
            "Kommunredaktör",
            municipality,
            Membership.Role.EDITOR,
            f"Huvudmannens redaktör ({municipality.name})",
        ),
        (
            "demo-kommun-lasare",
            "Leo",
            "Kommunläsare",
            municipality,
            Membership.Role.READER,
            f"Huvudmannens läsare ({municipality.name})",
        ),
        (
            "demo-friskola-redaktor",
            "Frida",
            "Friskoleredaktör",
            private,
            Membership.Role.EDITOR,
            f"Huvudmannens redaktör ({private.name})",
        ),
    ]
    result = []
    for username, first, last, principal, role, label in accounts:
        user = ensure_user(username, first_name=first, last_name=last)
        Membership.objects.get_or_create(user=user, principal=principal, defaults={"role": role})
        result.append((username, label))
    return result
