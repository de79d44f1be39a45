"""The archival package of a submitted final report (docs/archive.md, ADR 0019).

A ZIP holding one E-ARK information package (CSIP 2.1.0 with the SIP 2.1.0 profile, which
together are the Swedish National Archives' FGS Paketstruktur 2.0): METS.xml describing every
file with its SHA-256, size and MIME type; the frozen PDF/A, XLSX and JSON snapshot as the one
representation; the XML schemas the METS uses; a short description. Building reads only what
was frozen at submission, so the package never disagrees with the stored files. `verify` checks
a package as an archivist would, without the portal's database.
"""

import datetime
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
DC_NS = "http://purl.org/dc/elements/1.1/"
NSMAP = {"mets": METS_NS, "xlink": XLINK_NS, "xsi": XSI_NS, "csip": CSIP_NS}
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
SCHEMA_LOCATION = (
    f"{METS_NS} schemas/mets.xsd {XLINK_NS} schemas/xlink.xsd "
    f"{CSIP_NS} schemas/DILCISExtensionMETS.xsd"
)
CONTENT_TYPE = "application/zip"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# The schemas as published: mets.xsd imports xlink from this address, read from SCHEMA_DIR.
SCHEMAS = {
    "mets.xsd": "http://www.loc.gov/standards/mets/mets.xsd",
    "xlink.xsd": "http://www.loc.gov/standards/xlink/xlink.xsd",
    "DILCISExtensionMETS.xsd": "https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd",
}
REPRESENTATION = "rep1"
# The frozen files in the representation: (kind, field, checksum field, file name, MIME type).
FROZEN_FILES = (
    ("pdf", "pdf", "pdf_sha256", "slutredovisning.pdf", "application/pdf"),
    (
        "xlsx",
        "xlsx",
        "xlsx_sha256",
        "tabeller.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("json", "snapshot_json", "snapshot_sha256", "siffror.json", "application/json"),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def software_version() -> str:
    try:
        return metadata.version("skoldigistod")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "0"


@dataclass
class PackageFile:
    path: str  # inside the package's root folder
    data: bytes
    mimetype: str
    created: datetime.datetime
    file_id: str

    @property
    def checksum(self) -> str:
        return sha256(self.data)


def _m(tag: str) -> str:
    return f"{{{METS_NS}}}{tag}"


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _file_group(parent, *, group_id: str, use: str, files: list[PackageFile], **attrs):
    group = etree.SubElement(parent, _m("fileGrp"), ID=group_id, USE=use, **attrs)
    for item in files:
        element = etree.SubElement(
            group,
            _m("file"),
            ID=item.file_id,
            MIMETYPE=item.mimetype,
            SIZE=str(len(item.data)),
            CREATED=_iso(item.created),
            CHECKSUM=item.checksum,
            CHECKSUMTYPE="SHA-256",
        )
        etree.SubElement(
            element,
            _m("FLocat"),
            {f"{{{XLINK_NS}}}type": "simple", f"{{{XLINK_NS}}}href": item.path},
            LOCTYPE="URL",
        )
    return group


@dataclass
class Description:
    """What the METS says about the package: who made it, what it is, when."""

    object_id: str
    title: str
    created: datetime.datetime
    submitted_at: datetime.datetime
    submitted_by: str
    agreement_title: str


def mets_document(
    description: Description,
    *,
    documentation: list[PackageFile],
    schemas: list[PackageFile],
    data: list[PackageFile],
) -> bytes:
    """The package's METS.xml (CSIP 2.1.0 / SIP 2.1.0; the requirement numbers are CSIP's)."""
    other_type = "Skoldigistöd slutredovisning (PDF/A, XLSX, JSON)"
    root = etree.Element(
        _m("mets"),
        {
            f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION,
            f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE": "OTHER",  # CSIP4-5
            f"{{{CSIP_NS}}}OTHERCONTENTINFORMATIONTYPE": other_type,
        },
        nsmap=NSMAP,
        OBJID=description.object_id,  # CSIP1: the package root folder's name
        LABEL=description.title,
        TYPE="Mixed",  # CSIP2: content category (a document and its data)
        PROFILE=SIP_PROFILE,  # CSIP6, SIP2
    )
    header = etree.SubElement(
        root,
        _m("metsHdr"),
        {f"{{{CSIP_NS}}}OAISPACKAGETYPE": "SIP"},  # CSIP9
        CREATEDATE=_iso(description.created),  # CSIP7
        LASTMODDATE=_iso(description.created),  # CSIP8
        RECORDSTATUS="NEW",
    )
    # CSIP10-16: the software that made the package.
    software = etree.SubElement(
        header, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE"
    )
    etree.SubElement(software, _m("name")).text = "Skoldigistöd"
    etree.SubElement(
        software, _m("note"), {f"{{{CSIP_NS}}}NOTETYPE": "SOFTWARE VERSION"}
    ).text = software_version()
    # SIP9-14: the archival creator; SIP15-20: the organisation submitting the package; both
    # SKR. SIP21-25: the contact person, the one who submitted the report.
    for role in ("ARCHIVIST", "CREATOR"):
        organisation = etree.SubElement(header, _m("agent"), ROLE=role, TYPE="ORGANIZATION")
        etree.SubElement(organisation, _m("name")).text = settings.ARCHIVE_CREATOR_NAME
        if settings.ARCHIVE_CREATOR_ID:
            etree.SubElement(
                organisation, _m("note"), {f"{{{CSIP_NS}}}NOTETYPE": "IDENTIFICATIONCODE"}
            ).text = settings.ARCHIVE_CREATOR_ID
    contact = etree.SubElement(header, _m("agent"), ROLE="CREATOR", TYPE="INDIVIDUAL")
    etree.SubElement(contact, _m("name")).text = description.submitted_by

    # CSIP17: descriptive metadata, Dublin Core wrapped in the METS.
    dmd = etree.SubElement(root, _m("dmdSec"), ID="dmd-dc", CREATED=_iso(description.created))
    wrap = etree.SubElement(dmd, _m("mdWrap"), MDTYPE="DC")
    xml_data = etree.SubElement(wrap, _m("xmlData"))
    dc = etree.SubElement(xml_data, f"{{{DC_NS}}}dc", nsmap={"dc": DC_NS})
    for name, value in (
        ("title", description.title),
        ("creator", settings.ARCHIVE_CREATOR_NAME),
        ("subject", description.agreement_title),
        ("date", _iso(description.submitted_at)),
        ("type", "Slutredovisning"),
        ("identifier", description.object_id),
        ("language", "swe"),
    ):
        etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value

    file_sec = etree.SubElement(root, _m("fileSec"), ID="file-sec")  # CSIP58-79
    _file_group(file_sec, group_id="file-grp-doc", use="Documentation", files=documentation)
    _file_group(file_sec, group_id="file-grp-schemas", use="Schemas", files=schemas)
    _file_group(
        file_sec,
        group_id="file-grp-rep1-data",
        use=f"Representations/{REPRESENTATION}/data",
        files=data,
        **{
            f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE": "OTHER",
            f"{{{CSIP_NS}}}OTHERCONTENTINFORMATIONTYPE": other_type,
        },
    )

    struct = etree.SubElement(
        root, _m("structMap"), ID="struct-map", TYPE="PHYSICAL", LABEL="CSIP"
    )  # CSIP80-84
    top = etree.SubElement(struct, _m("div"), ID="struct-map-div", LABEL=description.object_id)
    etree.SubElement(top, _m("div"), ID="struct-map-metadata", LABEL="Metadata", DMDID="dmd-dc")
    for div_id, label, group in (
        ("struct-map-doc", "Documentation", "file-grp-doc"),
        ("struct-map-schemas", "Schemas", "file-grp-schemas"),
        ("struct-map-rep", "Representations", "file-grp-rep1-data"),
    ):
        div = etree.SubElement(top, _m("div"), ID=div_id, LABEL=label)
        etree.SubElement(div, _m("fptr"), FILEID=group)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _readme(description: Description, data: list[PackageFile]) -> bytes:
    """A plain-text description in Swedish, for a person who opens the package."""
    lines = [
        description.title,
        "",
        f"Paketets identitet: {description.object_id}",
        f"Inlämnad: {_iso(description.submitted_at)} av {description.submitted_by}",
        f"Paketet skapat: {_iso(description.created)}",
        "",
        "Paketet följer E-ARK CSIP 2.1.0 och E-ARK SIP 2.1.0 (FGS Paketstruktur 2.0).",
        "METS.xml beskriver varje fil med storlek, MIME-typ och SHA-256-kontrollsumma.",
        "",
        "Filer i representations/rep1/data/:",
    ]
    for item in data:
        lines.append(f"  {PurePosixPath(item.path).name}  {len(item.data)} byte  {item.checksum}")
    lines += [
        "",
        "slutredovisning.pdf: redovisningen som lämnades in (PDF/A-3a).",
        "tabeller.xlsx: redovisningens tabeller.",
        "siffror.json: alla siffror i redovisningen, som de var vid inlämningen.",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def schema_files(created: datetime.datetime) -> list[PackageFile]:
    return [
        PackageFile(
            path=f"schemas/{name}",
            data=(SCHEMA_DIR / name).read_bytes(),
            mimetype="application/xml",
            created=created,
            file_id=f"file-schema-{index}",
        )
        for index, name in enumerate(SCHEMAS, start=1)
    ]


def build(submitted, *, object_id: str, created: datetime.datetime) -> bytes:
    """The package of a submitted report (reporting.models.SubmittedReport) as ZIP bytes."""
    report = submitted.report
    title = f"Slutredovisning: {report.agreement.title}"
    description = Description(
        object_id=object_id,
        title=title,
        created=created,
        submitted_at=submitted.submitted_at,
        submitted_by=submitted.submitted_by_label,
        agreement_title=report.agreement.title,
    )
    data = []
    for kind, attr, _checksum, name, mimetype in FROZEN_FILES:
        value = getattr(submitted, attr)
        value = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        data.append(
            PackageFile(
                path=f"representations/{REPRESENTATION}/data/{name}",
                data=value,
                mimetype=mimetype,
                created=submitted.submitted_at,
                file_id=f"file-{kind}",
            )
        )
    readme = PackageFile(
        path="documentation/om-paketet.txt",
        data=_readme(description, data),
        mimetype="text/plain",
        created=created,
        file_id="file-doc-1",
    )
    schemas = schema_files(created)
    mets = mets_document(description, documentation=[readme], schemas=schemas, data=data)
    buffer = io.BytesIO()
    stamp = created.astimezone(datetime.UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in [("METS.xml", mets)] + [
            (item.path, item.data) for item in [readme, *schemas, *data]
        ]:
            info = zipfile.ZipInfo(f"{object_id}/{path}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


# ---------------------------------------------------------------- verification

# What reading a damaged ZIP raises: a bad header, a bad CRC, broken compressed data.
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
)


class _SchemaResolver(etree.Resolver):
    """The schemas' published addresses are read from a folder: nothing is fetched."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, public_id, context):
        name = PurePosixPath(url).name
        if url in SCHEMAS.values() or (self.folder / name).is_file():
            return self.resolve_filename(str(self.folder / name), context)
        return None


def mets_schema(folder: Path = SCHEMA_DIR) -> etree.XMLSchema:
    """The METS schema (with XLink) from `folder`, where mets.xsd and xlink.xsd lie."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_SchemaResolver(folder))
    return etree.XMLSchema(etree.parse(str(folder / "mets.xsd"), parser))


@dataclass
class Verification:
    object_id: str = ""
    files: dict[str, str] = field(default_factory=dict)  # path: SHA-256, as the METS says
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)


def verify(
    data: bytes,
    *,
    expected_sha256: str = "",
    frozen: dict[str, str] | None = None,
    schema_folder: Path = SCHEMA_DIR,
) -> Verification:
    """Every check an archivist makes: the package's own checksum (when known), the ZIP's
    integrity, METS.xml against the METS schema, each file's size and SHA-256 against the METS,
    no file the METS does not list, and (with `frozen`: kind -> SHA-256) the report's files
    against the checksums stored at submission."""
    result = Verification()
    problems = result.problems
    if expected_sha256 and sha256(data) != expected_sha256:
        problems.append(_("The package does not match its stored checksum (SHA-256)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    except UNREADABLE:
        problems.append(_("The package is not a readable ZIP file."))
        return result
    roots = {name.split("/", 1)[0] for name in members}
    if len(roots) != 1:
        problems.append(_("The package must hold exactly one folder."))
        return result
    root = roots.pop()
    result.object_id = root

    def read(name: str) -> bytes | None:
        try:
            return archive.read(members[name])
        except UNREADABLE as error:
            problems.append(
                _("The file %(name)s cannot be read from the package (%(error)s).")
                % {"name": name, "error": error.__class__.__name__}
            )
            return None

    mets_bytes = read(f"{root}/METS.xml") if f"{root}/METS.xml" in members else None
    if mets_bytes is None:
        problems.append(_("The package has no METS.xml."))
        return result
    try:
        document = etree.fromstring(mets_bytes, _safe_parser())
    except etree.XMLSyntaxError as error:
        problems.append(_("METS.xml is not well-formed XML: %(error)s") % {"error": error})
        return result
    schema = mets_schema(schema_folder)
    if not schema.validate(document):
        problems.append(
            _("METS.xml does not follow the METS schema: %(error)s")
            % {"error": schema.error_log.last_error}
        )
    if document.get("OBJID") != root:
        problems.append(_("The METS identity (OBJID) is not the name of the package folder."))

    listed = set()
    for element in document.iterfind(f".//{_m('file')}"):
        location = element.find(_m("FLocat"))
        path = location.get(f"{{{XLINK_NS}}}href", "") if location is not None else ""
        listed.add(path)
        name = f"{root}/{path}"
        if name not in members:
            problems.append(
                _("The METS lists %(path)s, which is not in the package.") % {"path": path}
            )
            continue
        content = read(name)
        if content is None:
            continue
        result.files[path] = sha256(content)
        if (
            element.get("CHECKSUMTYPE") != "SHA-256"
            or sha256(content) != element.get("CHECKSUM", "").lower()
        ):
            problems.append(_("%(path)s does not match its checksum in the METS.") % {"path": path})
        if element.get("SIZE") != str(len(content)):
            problems.append(_("%(path)s does not have the size the METS gives.") % {"path": path})
    for name in sorted(members):
        path = name.removeprefix(f"{root}/")
        if path != "METS.xml" and path not in listed:
            problems.append(_("%(path)s is in the package but not in the METS.") % {"path": path})

    for kind, _attr, _checksum, file_name, _type in FROZEN_FILES if frozen else ():
        path = f"representations/{REPRESENTATION}/data/{file_name}"
        if result.files.get(path) != frozen.get(kind):
            problems.append(_("%(path)s is not the file frozen at submission.") % {"path": path})
    return result
