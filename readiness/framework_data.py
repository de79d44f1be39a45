"""The default framework, loaded by `manage.py load_framework`. Questions are data, in Swedish.

Staff change it afterwards by copying the published version and editing the copy.
"""

DEFAULT_NAME = "Självskattning e-legitimation och digitala ekosystem, version 1"

R, YN, ONE, MANY, PCT, INT, TXT = (
    "rating",
    "yes_no",
    "single_choice",
    "multi_choice",
    "percentage",
    "integer",
    "text",
)
DNP = ["DNP"]


def _c(*pairs):
    return [{"value": v, "label": label} for v, label in pairs]


# (area title, [(code, question, help text, answer type, choices, achieved, required,
#                 initiative, tags), ...])
AREAS = [
    (
        "Inloggning och identitetsfederation",
        [
            (
                "idp",
                "Har huvudmannen en inloggningstjänst (IdP) för federerad inloggning?",
                "Utse en ansvarig och välj om inloggningstjänsten ska drivas själv eller köpas "
                "som tjänst. Den måste kunna utfärda SAML-intyg för Skolverkets digitala prov.",
                ONE,
                _c(
                    ("none", "Nej, ingen inloggningstjänst"),
                    ("own", "Ja, i egen drift"),
                    ("service", "Ja, som tjänst från leverantör"),
                    ("several", "Ja, flera inloggningstjänster"),
                ),
                ["own", "service", "several"],
                True,
                11,
                DNP,
            ),
            (
                "idp-saml",
                "Kan inloggningstjänsten utfärda SAML-intyg till anslutna tjänster?",
                "Kontrollera med leverantören att inloggningstjänsten stöder SAML 2.0 och "
                "kan skicka de attribut Skolverket efterfrågar.",
                YN,
                [],
                [],
                True,
                11,
                DNP,
            ),
            (
                "federation",
                "Vilka identitetsfederationer är huvudmannen medlem i?",
                "Ansök om medlemskap i Skolfederation (eller Skolfederation mini om inloggningen "
                "bara ska användas mot Skolverket) och utse kontaktperson, teknisk kontakt och "
                "incidentkontakt.",
                MANY,
                _c(
                    ("skolfederation", "Skolfederation"),
                    ("skolfederation-mini", "Skolfederation mini"),
                    ("swamid", "SWAMID"),
                    ("none", "Ingen"),
                ),
                ["skolfederation", "skolfederation-mini", "swamid"],
                True,
                11,
                DNP,
            ),
            (
                "fidus",
                "Är huvudmannens inloggning ansluten till Skolverkets interfederation FIDUS?",
                "När federationsmedlemskapet är klart: anslut inloggningstjänsten till FIDUS "
                "och testa inloggning mot Skolverkets testmiljö.",
                R,
                [],
                [],
                True,
                11,
                DNP,
            ),
            (
                "eppn",
                "Har varje användare en unik och beständig identitet (eduPersonPrincipalName, "
                "EPPN)?",
                "Bestäm hur EPPN bildas, se till att det inte återanvänds och att det följer med "
                "användaren så länge hen finns hos huvudmannen.",
                R,
                [],
                [],
                True,
                11,
                DNP,
            ),
        ],
    ),
    (
        "E-legitimation för personal",
        [
            (
                "staff-eid",
                "Vilken e-legitimation för tjänstebruk använder personalen?",
                "Välj en e-legitimation som är godkänd enligt DIGG:s tillitsramverk, till "
                "exempel Freja eID+ eller SITHS, och planera utdelningen.",
                ONE,
                _c(
                    ("freja", "Freja eID+"),
                    ("siths", "SITHS"),
                    ("other", "Annan godkänd e-legitimation"),
                    ("none", "Ingen e-legitimation för tjänstebruk"),
                ),
                ["freja", "siths", "other"],
                True,
                11,
                DNP,
            ),
            (
                "staff-eid-level",
                "Vilken tillitsnivå har personalens e-legitimation?",
                "Digitala nationella prov kräver tillitsnivå 2, 3 eller 4 enligt DIGG:s "
                "tillitsramverk. Kontrollera nivån med utfärdaren.",
                ONE,
                _c(
                    ("2", "Tillitsnivå 2"),
                    ("3", "Tillitsnivå 3"),
                    ("4", "Tillitsnivå 4"),
                    ("unknown", "Vet inte"),
                ),
                ["2", "3", "4"],
                True,
                11,
                DNP,
            ),
            (
                "staff-mfa",
                "Loggar personalen in med flerfaktorsautentisering?",
                "Inför flerfaktorsinloggning för all personal som hanterar prov och "
                "elevuppgifter, med e-legitimationen som en av faktorerna.",
                R,
                [],
                [],
                True,
                11,
                DNP,
            ),
            (
                "staff-eid-share",
                "Hur stor andel av personalen har en e-legitimation för tjänstebruk (procent)?",
                "Gör en plan för att dela ut e-legitimationer till den personal som ännu saknar "
                "en, med början hos dem som administrerar och genomför prov.",
                PCT,
                [],
                [],
                True,
                11,
                DNP,
            ),
            (
                "staff-count",
                "Hur många anställda behöver en e-legitimation för tjänstebruk?",
                "Räkna med lärare, skolledare och administrativ personal som hanterar prov eller "
                "elevuppgifter.",
                INT,
                [],
                [],
                False,
                11,
                [],
            ),
            (
                "eid-routines",
                "Finns rutiner för att utfärda, förnya och spärra personalens e-legitimationer?",
                "Beskriv vem som beställer, lämnar ut och spärrar e-legitimationer och hur det "
                "hänger ihop med anställningens början och slut.",
                R,
                [],
                [],
                True,
                11,
                [],
            ),
        ],
    ),
    (
        "Elevernas inloggning",
        [
            (
                "pupil-login",
                "Hur loggar eleverna in i skolans digitala tjänster?",
                "Välj inloggningsmetoder som passar elevernas ålder och som fungerar genom "
                "huvudmannens inloggningstjänst.",
                ONE,
                _c(
                    ("password", "Användarnamn och lösenord"),
                    ("mfa", "Lösenord och ytterligare faktor"),
                    ("picture", "Bild- eller QR-kodsinloggning"),
                    ("mixed", "Olika metoder beroende på ålder"),
                    ("none", "Ingen gemensam inloggning"),
                ),
                ["password", "mfa", "picture", "mixed"],
                True,
                11,
                DNP,
            ),
            (
                "pupil-accounts",
                "Har alla elever som ska skriva digitala nationella prov ett personligt konto "
                "i inloggningstjänsten?",
                "Se till att kontona skapas automatiskt från skoladministrativt system inför "
                "varje läsår.",
                R,
                [],
                [],
                True,
                11,
                DNP,
            ),
        ],
    ),
    (
        "Informationsutbyte och SS 12000",
        [
            (
                "provisioning",
                "Hur överförs användaruppgifter till Skolverket?",
                "Planera för överföring via SS 12000-API; fil eller manuell hantering kan "
                "användas under en övergångsperiod.",
                ONE,
                _c(
                    ("api", "Via SS 12000-API"),
                    ("file", "Via fil"),
                    ("manual", "Manuellt"),
                    ("none", "Inte påbörjat"),
                ),
                ["api", "file", "manual"],
                True,
                13,
                DNP,
            ),
            (
                "ss12000",
                "Stöder de skoladministrativa systemen informationsutbyte enligt SS 12000?",
                "Ställ krav på SS 12000 hos leverantörerna och ta med kravet vid nästa "
                "upphandling eller avtalsförlängning.",
                R,
                [],
                [],
                True,
                13,
                [],
            ),
            (
                "egil",
                "Används EGIL för att skapa elevkonton i digitala lärresurser?",
                "Undersök om EGIL (Föreningen Sambruk) kan ersätta manuell kontohantering mot "
                "lärresurserna.",
                R,
                [],
                [],
                False,
                13,
                [],
            ),
        ],
    ),
    (
        "Upphandling och informationssäkerhet",
        [
            (
                "procurement-exit",
                "Ställer huvudmannen krav på exitplan och öppna standarder vid upphandling av "
                "skoladministrativa IT-tjänster?",
                "Ta med krav på dataportabilitet, öppna standarder och en exitplan i nästa "
                "upphandling så att ni inte låses till en leverantör.",
                R,
                [],
                [],
                True,
                13,
                [],
            ),
            (
                "procurement-support",
                "Har huvudmannen använt SKR:s eller SKL Kommentus upphandlingsstöd för "
                "skoladministrativa system?",
                "Ta del av upphandlingsstödet innan nästa upphandling av skoladministrativa "
                "system.",
                YN,
                [],
                [],
                False,
                13,
                [],
            ),
            (
                "infosec-classification",
                "Är informationen i skolans digitala tjänster klassad utifrån "
                "informationssäkerhet?",
                "Klassa informationen i de viktigaste tjänsterna (konfidentialitet, riktighet, "
                "tillgänglighet) och låt klassningen styra kraven på inloggning.",
                R,
                [],
                [],
                True,
                13,
                [],
            ),
            (
                "infosec-owner",
                "Finns en utsedd ansvarig för informationssäkerhet i skolverksamheten?",
                "Utse en ansvarig och ge hen mandat att ställa krav på tjänster och leverantörer.",
                YN,
                [],
                [],
                True,
                13,
                [],
            ),
        ],
    ),
    (
        "Enheter och infrastruktur för digitala prov",
        [
            (
                "devices-count",
                "Finns tillräckligt många enheter för att en hel årskurs ska kunna skriva prov "
                "samtidigt?",
                "Inventera enheterna per skolenhet och planera inköp eller omfördelning inför "
                "provperioderna.",
                R,
                [],
                [],
                True,
                13,
                DNP,
            ),
            (
                "devices-spec",
                "Uppfyller enheterna kraven för digitala prov (skärm minst 1366×768, surfplattor "
                "minst 9,6 tum, hörlurar och tangentbord)?",
                "Jämför enheterna med Skolverkets tekniska krav och komplettera med hörlurar och "
                "tangentbord där det behövs.",
                YN,
                [],
                [],
                True,
                13,
                DNP,
            ),
            (
                "network",
                "Klarar nätverket att många elever skriver digitala prov samtidigt?",
                "Gör ett belastningstest i de lokaler där proven skrivs.",
                R,
                [],
                [],
                True,
                13,
                DNP,
            ),
            (
                "test-support",
                "Finns teknisk support på plats eller på distans under provtillfällena?",
                "Bestäm vem som ger support under provtillfällena och hur skolorna når dem.",
                R,
                [],
                [],
                True,
                13,
                DNP,
            ),
        ],
    ),
    (
        "Användarcentrering och stöd",
        [
            (
                "ucd-competence",
                "Har huvudmannen kompetens i användarcentrerad tjänsteutveckling?",
                "Låt personer som tar fram eller upphandlar digitala tjänster gå SKR:s "
                "utbildning i användarcentrering och pröva metoderna i ett verkligt projekt.",
                R,
                [],
                [],
                True,
                12,
                [],
            ),
            (
                "ucd-involvement",
                "Involveras elever, vårdnadshavare och personal när digitala tjänster tas fram "
                "eller upphandlas?",
                "Planera in användartester och intervjuer med elever och personal innan en ny "
                "tjänst väljs.",
                R,
                [],
                [],
                True,
                12,
                [],
            ),
            (
                "skr-guidance",
                "Vilka av SKR:s stöd har huvudmannen använt?",
                "Gå igenom SKR:s stöd för e-legitimering, upphandling och användarcentrering och "
                "välj det som passar er plan.",
                MANY,
                _c(
                    ("eid", "Stöd om e-legitimering och inloggning"),
                    ("procurement", "Upphandlingsstöd för skoladministrativa system"),
                    ("ucd", "Stöd om användarcentrerad tjänsteutveckling"),
                    ("lika", "LIKA för skolhuvudmän"),
                    ("none", "Inget ännu"),
                ),
                ["eid", "procurement", "ucd", "lika"],
                False,
                12,
                [],
            ),
            (
                "support-needs",
                "Vad behöver ni mest stöd med från SKR framåt?",
                "",
                TXT,
                [],
                [],
                False,
                12,
                [],
            ),
        ],
    ),
]
