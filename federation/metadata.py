"""Federation metadata: fetched from a file or URL, checked, kept as the last good copy.

The portal only ever reads the copy written here, after its signature (by the federation's
certificate, given in settings) and its validUntil were checked; a refresh that fails leaves
the previous copy in place. `manage.py federation_refresh_metadata` runs a refresh (cron).
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from saml2 import md
from saml2.mdstore import MetaDataFile, TooOld
from saml2.sigver import CryptoBackendXmlSec1, SignatureError
from saml2.validate import valid_instance

ENTITIES_NODE = f"{md.NAMESPACE}:EntitiesDescriptor"


class MetadataRefused(Exception):
    """The fetched metadata is not used; the message says why (in the reader's language)."""


@dataclass(frozen=True)
class Federation:
    name: str
    source: str  # a path or an http(s) URL
    cert: str  # the federation's signing certificate (PEM file)

    @property
    def copy_path(self) -> Path:
        return Path(settings.FEDERATION_METADATA_DIR) / f"{self.name}.xml"


def federations() -> list[Federation]:
    return [Federation(**entry) for entry in settings.FEDERATIONS]


def federation_named(name: str) -> Federation:
    for federation in federations():
        if federation.name == name:
            return federation
    raise KeyError(name)


def _fetch(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        response = requests.get(source, timeout=settings.FEDERATION_METADATA_TIMEOUT)
        response.raise_for_status()
        return response.content
    return Path(source).read_bytes()


def check(federation: Federation, content: bytes) -> int:
    """Raise MetadataRefused unless the content is a signed, valid aggregate; its entity count."""
    entities = md.entities_descriptor_from_string(content)
    if entities is None:
        raise MetadataRefused(_("The file is not SAML metadata with several entities."))
    if entities.signature is None:
        raise MetadataRefused(_("The metadata is not signed."))
    backend = CryptoBackendXmlSec1(settings.XMLSEC_BINARY)
    try:
        ok = backend.validate_signature(content, federation.cert, "pem", ENTITIES_NODE, None)
    except SignatureError:
        ok = False
    if not ok:
        raise MetadataRefused(
            _("The metadata's signature does not match the federation's certificate.")
        )
    try:
        valid_instance(entities)
    except Exception as error:
        raise MetadataRefused(_("The metadata does not follow the SAML schema.")) from error
    store = MetaDataFile(None, filename="-")
    try:
        store.parse(content)
    except TooOld as error:
        raise MetadataRefused(_("The metadata has expired (validUntil has passed).")) from error
    if not entities.valid_until:
        raise MetadataRefused(_("The metadata has no validUntil."))
    return len(entities.entity_descriptor)


def refresh(federation: Federation) -> int:
    """Fetch, check and keep the federation's metadata; the number of entities in it."""
    try:
        content = _fetch(federation.source)
    except (OSError, requests.RequestException) as error:
        raise MetadataRefused(
            _("The metadata could not be fetched: %(error)s") % {"error": error}
        ) from error
    count = check(federation, content)
    target = federation.copy_path
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the copy and renamed over it, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    os.replace(temporary, target)
    return count


def kept_copies() -> list[str]:
    """The last good copies there are, for the SP configuration."""
    return [str(f.copy_path) for f in federations() if f.copy_path.exists()]
