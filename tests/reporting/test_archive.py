"""The archival package of a submitted final report (reporting/archive.py, docs/archive.md).

Made by a job when the report is submitted (and, for a report submitted before, when staff ask),
stored with the submission; its METS validates against the METS schema kept with these tests
(tests/reporting/data/, not the copy the code uses), its checksums are those frozen at
submission, and a change to any byte is found."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from lxml import etree

from portal.models import AuditEvent, Job
from reporting import archive
from reporting.final_report import services
from reporting.models import ArchivalPackage, SubmittedReport, sha256
from tests.jobs import started_job

from .factories import approve, report_agreement

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
M = {"mets": archive.METS_NS, "xlink": archive.XLINK_NS, "csip": archive.CSIP_NS}


@pytest.fixture
def submitted(staff, lead):
    """Submitted as before packages existed (the demo loader does this): no package yet."""
    report = services.report_create(agreement=report_agreement(), actor=staff)
    approve(report, staff, lead)
    services.report_submit(report=report, actor=lead, seen_version=report.version)
    report.refresh_from_db()
    return report


@pytest.fixture
def package(submitted, staff) -> ArchivalPackage:
    services.package_build(report_pk=submitted.pk, actor=staff)
    return ArchivalPackage.objects.get(report=submitted)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive_file:
        return {info.filename: archive_file.read(info) for info in archive_file.infolist()}


def rezip(files: dict[str, bytes]) -> bytes:
    """The package written again with `files` (a correct ZIP: its own CRCs agree)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for name, content in files.items():
            archive_file.writestr(name, content)
    return buffer.getvalue()


def shipped_schema():
    """The METS schema as published (METS 1.12 and its XLink schema), read without a network."""
    parser = etree.XMLParser(no_network=True)

    class Local(etree.Resolver):
        def resolve(self, url, public_id, context):
            return self.resolve_filename(str(DATA / Path(url).name), context)

    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(DATA / "mets.xsd"), parser))


def test_the_package_holds_the_frozen_files_with_their_checksums(package, submitted):
    files = members(bytes(package.package))
    root = package.object_id
    assert root.startswith("uuid-")
    assert sorted(files) == sorted(
        f"{root}/{path}"
        for path in [
            "METS.xml",
            "documentation/om-paketet.txt",
            "schemas/mets.xsd",
            "schemas/xlink.xsd",
            "schemas/DILCISExtensionMETS.xsd",
            "representations/rep1/data/slutredovisning.pdf",
            "representations/rep1/data/tabeller.xlsx",
            "representations/rep1/data/siffror.json",
        ]
    )
    frozen: SubmittedReport = submitted.submitted
    data = f"{root}/representations/rep1/data/"
    assert files[data + "slutredovisning.pdf"] == bytes(frozen.pdf)
    assert files[data + "tabeller.xlsx"] == bytes(frozen.xlsx)
    assert files[data + "siffror.json"] == frozen.snapshot_json.encode()

    mets = etree.fromstring(files[f"{root}/METS.xml"])
    listed = {
        f.find("mets:FLocat", M).get(f"{{{archive.XLINK_NS}}}href"): f
        for f in mets.iterfind(".//mets:file", M)
    }
    expected = {
        "slutredovisning.pdf": (frozen.pdf_sha256, "application/pdf"),
        "tabeller.xlsx": (
            frozen.xlsx_sha256,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "siffror.json": (frozen.snapshot_sha256, "application/json"),
    }
    for name, (checksum, mimetype) in expected.items():
        element = listed[f"representations/rep1/data/{name}"]
        assert element.get("CHECKSUM") == checksum
        assert element.get("CHECKSUMTYPE") == "SHA-256"
        assert element.get("MIMETYPE") == mimetype
        assert element.get("SIZE") == str(len(files[data + name]))
    # Every file but METS.xml itself is listed, with the checksum of what is in the ZIP.
    assert set(listed) == {name.removeprefix(f"{root}/") for name in files} - {"METS.xml"}
    for path, element in listed.items():
        assert element.get("CHECKSUM") == sha256(files[f"{root}/{path}"])
    assert package.package_sha256 == sha256(bytes(package.package))
    assert package.size == len(bytes(package.package))


def test_the_mets_validates_against_the_schema_shipped_with_the_tests(package):
    mets = members(bytes(package.package))[f"{package.object_id}/METS.xml"]
    schema = shipped_schema()
    document = etree.fromstring(mets)
    assert schema.validate(document), schema.error_log
    # The schemas in the package are the published ones.
    files = members(bytes(package.package))
    for name in ("mets.xsd", "xlink.xsd"):
        assert files[f"{package.object_id}/schemas/{name}"] == (DATA / name).read_bytes()


def test_the_mets_has_the_csip_header_agents_and_structure(package, submitted):
    mets = etree.fromstring(members(bytes(package.package))[f"{package.object_id}/METS.xml"])
    assert mets.get("OBJID") == package.object_id
    assert mets.get("PROFILE") == "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
    assert mets.get("TYPE") == "Mixed"
    assert mets.get(f"{{{archive.CSIP_NS}}}CONTENTINFORMATIONTYPE") == "OTHER"
    header = mets.find("mets:metsHdr", M)
    assert header.get("CREATEDATE")
    assert header.get(f"{{{archive.CSIP_NS}}}OAISPACKAGETYPE") == "SIP"
    software = header.find("mets:agent[@ROLE='CREATOR'][@OTHERTYPE='SOFTWARE']", M)
    assert software.get("TYPE") == "OTHER"
    assert software.findtext("mets:name", namespaces=M) == "Skoldigistöd"
    note = software.find("mets:note", M)
    assert note.get(f"{{{archive.CSIP_NS}}}NOTETYPE") == "SOFTWARE VERSION" and note.text
    # The archival creator and the submitting organisation (SIP9-20), with SKR's number.
    for role in ("ARCHIVIST", "CREATOR"):
        organisation = header.find(f"mets:agent[@ROLE='{role}'][@TYPE='ORGANIZATION']", M)
        assert organisation.findtext("mets:name", namespaces=M) == "Sveriges Kommuner och Regioner"
        note = organisation.find("mets:note", M)
        assert (note.get(f"{{{archive.CSIP_NS}}}NOTETYPE"), note.text) == (
            "IDENTIFICATIONCODE",
            "222000-0315",
        )
    # The contact person (SIP21-25): who submitted the report.
    contact = header.find("mets:agent[@ROLE='CREATOR'][@TYPE='INDIVIDUAL']", M)
    assert contact.findtext("mets:name", namespaces=M) == submitted.submitted.submitted_by_label
    groups = {g.get("USE"): g.get("ID") for g in mets.iterfind("mets:fileSec/mets:fileGrp", M)}
    assert set(groups) == {"Documentation", "Schemas", "Representations/rep1/data"}
    struct = mets.find("mets:structMap", M)
    assert (struct.get("TYPE"), struct.get("LABEL")) == ("PHYSICAL", "CSIP")
    top = struct.find("mets:div", M)
    assert top.get("LABEL") == package.object_id
    divs = {d.get("LABEL"): d for d in top.iterfind("mets:div", M)}
    assert list(divs) == ["Metadata", "Documentation", "Schemas", "Representations"]
    assert divs["Metadata"].get("DMDID") == "dmd-dc"
    for label, use in (
        ("Documentation", "Documentation"),
        ("Schemas", "Schemas"),
        ("Representations", "Representations/rep1/data"),
    ):
        assert divs[label].find("mets:fptr", M).get("FILEID") == groups[use]


def test_verification_passes_for_the_stored_package(package, submitted):
    result = archive.verify(
        bytes(package.package),
        expected_sha256=package.package_sha256,
        frozen=services.frozen_checksums(submitted.submitted),
        schema_folder=DATA,
    )
    assert result.ok, result.problems
    assert result.object_id == package.object_id
    assert len(result.files) == 7


def test_changing_any_byte_of_any_file_is_found(package):
    """Each file changed in one byte and the ZIP written again correctly (its CRCs agree):
    the METS checksums find the changed file; a changed METS.xml is found by the package's own
    checksum (and, where the change breaks it, by the schema)."""
    files = members(bytes(package.package))
    for name, content in files.items():
        for position in sorted({0, len(content) // 2, len(content) - 1}):
            changed = bytearray(content)
            changed[position] ^= 0x01
            data = rezip({**files, name: bytes(changed)})
            result = archive.verify(data, expected_sha256=package.package_sha256)
            assert not result.ok, (name, position)
            if not name.endswith("METS.xml"):
                path = name.split("/", 1)[1]
                assert any(path in problem for problem in result.problems), result.problems
                # Found without knowing the package's checksum, too.
                assert not archive.verify(data).ok


def test_changing_any_byte_of_the_stored_zip_is_found(package):
    data = bytes(package.package)
    step = max(1, len(data) // 400)
    for position in range(0, len(data), step):
        changed = bytearray(data)
        changed[position] ^= 0xFF
        result = archive.verify(bytes(changed), expected_sha256=package.package_sha256)
        assert not result.ok, position


def test_a_file_added_or_removed_is_found(package):
    files = members(bytes(package.package))
    root = package.object_id
    added = archive.verify(rezip({**files, f"{root}/representations/rep1/data/extra.txt": b"x"}))
    assert any("extra.txt" in p for p in added.problems)
    removed = dict(files)
    del removed[f"{root}/representations/rep1/data/siffror.json"]
    assert any("siffror.json" in p for p in archive.verify(rezip(removed)).problems)


def test_a_package_that_is_not_the_frozen_report_is_found(package, submitted):
    frozen = services.frozen_checksums(submitted.submitted) | {"pdf": "0" * 64}
    result = archive.verify(bytes(package.package), frozen=frozen)
    assert result.problems == [
        "representations/rep1/data/slutredovisning.pdf är inte filen som frystes vid inlämningen."
    ]


def test_not_a_zip():
    assert archive.verify(b"not a zip").problems == ["Paketet är inte en läsbar ZIP-fil."]


def test_the_command_verifies_a_file_and_a_stored_package(package, submitted, tmp_path, capsys):
    path = tmp_path / "paket.zip"
    path.write_bytes(bytes(package.package))
    call_command("verify_archival_package", str(path), "--sha256", package.package_sha256)
    assert "is intact" in capsys.readouterr().out
    call_command("verify_archival_package", "--report", str(submitted.pk))
    assert package.object_id in capsys.readouterr().out

    changed = bytearray(package.package)
    changed[len(changed) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_archival_package", str(path), "--sha256", package.package_sha256)


def test_submitting_through_the_job_makes_the_package(client, staff, lead):
    """The submission job queues the packaging job with the freeze; both ran (immediate
    backend), each step recorded with who."""
    report = services.report_create(agreement=report_agreement(), actor=staff)
    approve(report, staff, lead)
    client.force_login(lead)
    response = client.post(
        reverse("reporting:report-submit", args=[report.pk]), {"version": report.version}
    )
    assert started_job(response).status == Job.Status.DONE
    package = ArchivalPackage.objects.get(report=report)
    job = Job.objects.get(kind=services.ARCHIVE_JOB)
    assert job.status == Job.Status.DONE and job.owner == lead
    assert archive.verify(bytes(package.package), expected_sha256=package.package_sha256).ok
    events = AuditEvent.objects.filter(object_id=str(report.pk)).order_by("occurred_at", "pk")
    tail = [(e.action, e.note, e.actor) for e in events][-2:]
    assert tail == [
        (AuditEvent.Action.CHANGED, "Arkivpaket begärt", lead),
        (AuditEvent.Action.ARCHIVED, "Arkivpaket skapat", lead),
    ]
    assert events.last().changes["package_sha256"] == [None, package.package_sha256]

    page = client.get(report.get_absolute_url())
    assert package.object_id in page.content.decode()


def test_staff_package_an_earlier_submission_and_download_it(client, staff, submitted):
    client.force_login(staff)
    page = client.get(submitted.get_absolute_url())
    assert "Skapa arkivpaketet" in page.content.decode()
    response = client.post(reverse("reporting:archive-start", args=[submitted.pk]))
    job = started_job(response)
    assert job.status == Job.Status.DONE, job.error
    package = ArchivalPackage.objects.get(report=submitted)

    download = client.get(reverse("reporting:archive-download", args=[submitted.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].endswith('-arkivpaket.zip"')
    assert download["Content-Disposition"].startswith('attachment; filename="slutredovisning-')
    assert sha256(download.content) == package.package_sha256
    downloaded = AuditEvent.objects.filter(object_id=str(submitted.pk)).latest("pk")
    assert (downloaded.action, downloaded.actor) == (AuditEvent.Action.OPENED, staff)

    # A second package is refused: the first is the one.
    again = client.post(reverse("reporting:archive-start", args=[submitted.pk]), follow=True)
    assert "Arkivpaketet har redan skapats." in again.content.decode()
    assert ArchivalPackage.objects.count() == 1


def test_a_draft_has_no_package(client, staff):
    report = services.report_create(agreement=report_agreement(), actor=staff)
    client.force_login(staff)
    response = client.post(reverse("reporting:archive-start", args=[report.pk]), follow=True)
    assert "Bara en inlämnad redovisning har ett arkivpaket." in response.content.decode()
    assert client.get(reverse("reporting:archive-download", args=[report.pk])).status_code == 404
    assert not Job.objects.filter(kind=services.ARCHIVE_JOB).exists()


def test_a_package_whose_stored_bytes_changed_is_not_given_out(client, staff, package):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reporting_archivalpackage SET package_sha256 = %s WHERE id = %s",
            ["0" * 64, package.pk],
        )
    client.force_login(staff)
    response = client.get(reverse("reporting:archive-download", args=[package.report_id]))
    assert response.status_code == 500
    assert "stämmer inte" in response.content.decode()


def test_the_package_cannot_be_changed_or_deleted(package):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Ett arkivpaket kan inte ändras"):
        package.save()
    with pytest.raises(ValidationError, match="Ett arkivpaket kan inte tas bort"):
        package.delete()


# ---------------------------------------------------------------- the E-ARK rules themselves

EARK = DATA / "eark"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
VOCABULARIES = {
    "@TYPE": "CSIPVocabularyContentCategory.xml",
    "@csip:CONTENTINFORMATIONTYPE": "CSIPVocabularyContentInformationType.xml",
    "@csip:OAISPACKAGETYPE": "CSIPVocabularyOAISPackageType.xml",
    "@STATUS": "CSIPVocabularyStatus.xml",
}
# Where the DILCIS rules contradict the specifications and their own examples. Agents 1-4 are
# the software, the archival creator (ARCHIVIST), the submitting organisation and the contact
# person (ROLE="CREATOR" both). CSIP12-16 hold every ROLE="CREATOR" agent to the software
# agent's form, though SIP15-25 and SIP's example header give the submitting organisation and
# the contact person that role. SIP14 tests an unprefixed @NOTETYPE where SIP14 itself and
# CSIP16 say @csip:NOTETYPE, so it fails every correct note of a CREATOR. CSIP63 fails any file
# group without csip:CONTENTINFORMATIONTYPE, which CSIP62 asks only of representations (the
# CSIP example's "Documentation" group has none either).
CONTRADICTIONS = {
    ("CSIP12", "agent[3]"),
    ("CSIP13", "agent[3]"),
    ("CSIP16", "agent[3]"),
    ("SIP14", "agent[3]"),
    ("CSIP12", "agent[4]"),
    ("CSIP13", "agent[4]"),
    ("CSIP15", "agent[4]"),
    ("CSIP16", "agent[4]"),
    ("SIP14", "agent[1]"),
    ("CSIP63", "fileGrp[1]"),
    ("CSIP63", "fileGrp[2]"),
}


def _vocabulary_tests() -> dict[str, str]:
    tests = {}
    for attribute, name in VOCABULARIES.items():
        vocabulary = etree.parse(str(EARK / "vocabs" / name))
        terms = [e.text for e in vocabulary.iter("{https://DILCIS.eu/XML/Vocabularies/IP}Term")]
        assert terms, name
        tests[f"{attribute}_vocabulary_test"] = " or ".join(
            f"({attribute} = '{term}')" for term in terms
        )
    mimetypes = (EARK / "vocabs" / "IANA.txt").read_text().split()
    tests["@MIMETYPE_IANA_test"] = " or ".join(f"(@MIMETYPE = '{m}')" for m in mimetypes)
    return tests


def _failed(rules: Path, document) -> list[tuple[str, str, str]]:
    from lxml.isoschematron import Schematron

    text = rules.read_text(encoding="utf-8")
    for placeholder, test in _vocabulary_tests().items():
        text = text.replace(placeholder, test)
    schematron = Schematron(etree=etree.XML(text.encode()), store_report=True)
    schematron.validate(document)
    failed = []
    for item in schematron.validation_report.iter(f"{SVRL}failed-assert"):
        path = re.sub(
            r"\*\[local-name\(\)='(\w+)' and namespace-uri\(\)='[^']*'\]",
            r"\1",
            item.get("location"),
        ).split("/")
        where = path[-2] if path[-1] == "note" else path[-1]  # an agent's note: the agent
        failed.append((item.get("id"), item.get("role"), where))
    return failed


def test_the_mets_follows_the_dilcis_rules_for_csip_and_sip(package):
    """Every ERROR-level rule of CSIP 2.1.0 and SIP 2.1.0 holds, but for the listed
    contradictions in the rules; the warnings left are about metadata we do not have
    (PREMIS, CSIP31/91) or choose not to write (a representation METS, CSIP105)."""
    document = etree.fromstring(
        members(bytes(package.package))[f"{package.object_id}/METS.xml"]
    ).getroottree()
    errors, warnings = set(), set()
    for rules in sorted(EARK.glob("*/mets_*_rules.xml")):
        for rule, role, where in _failed(rules, document):
            (errors if role == "ERROR" else warnings).add((rule, where))
    assert errors == CONTRADICTIONS
    assert {rule for rule, _where in warnings} <= {
        "CSIP20_1",
        "CSIP21",
        "CSIP31",
        "CSIP91",
        "CSIP105",
    }


def test_the_demo_reports_archival_package_downloads_and_validates(client):
    """The issue's "done when": the demo's submitted 2020 report (frozen on 24 February 2023 by
    the real service, before packages existed) is packaged when staff ask; the download
    verifies against the test schema and the frozen checksums."""
    from agreement import data_2020
    from reporting.models import FinalReport

    call_command("load_demo", stdout=io.StringIO())
    report = FinalReport.objects.get(
        agreement__title=data_2020.AGREEMENT["title"], state=FinalReport.State.SUBMITTED
    )
    person = get_user_model().objects.get(username="demo-personal")
    client.force_login(person)
    job = started_job(client.post(reverse("reporting:archive-start", args=[report.pk])))
    assert job.status == Job.Status.DONE, job.error
    download = client.get(reverse("reporting:archive-download", args=[report.pk]))
    assert download.status_code == 200
    result = archive.verify(
        download.content,
        expected_sha256=ArchivalPackage.objects.get(report=report).package_sha256,
        frozen=services.frozen_checksums(report.submitted),
        schema_folder=DATA,
    )
    assert result.ok, result.problems
    mets = etree.fromstring(members(download.content)[f"{result.object_id}/METS.xml"])
    assert shipped_schema().validate(mets)
    dc_date = mets.findtext(".//{http://purl.org/dc/elements/1.1/}date")
    assert dc_date.startswith("2023-02-24")


def test_a_package_under_way_is_shown_with_its_job(client, staff, submitted):
    """While no worker has taken the job (the dummy backend only stores it), the page links
    to it and a second click gives back the same job."""
    from django.test import override_settings

    held = {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["jobs"]}
    client.force_login(staff)
    with override_settings(TASKS={"default": held}):
        first = started_job(client.post(reverse("reporting:archive-start", args=[submitted.pk])))
        second = started_job(client.post(reverse("reporting:archive-start", args=[submitted.pk])))
    assert first.pk == second.pk and first.status == Job.Status.QUEUED
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "Arkivpaketet skapas" in page
    assert reverse("portal:job-detail", args=[first.pk]) in page
    assert "Skapa arkivpaketet" not in page
