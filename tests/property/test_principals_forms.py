"""Organiser contact details, invitations and the register import, fed hostile input."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from hypothesis import example, given
from hypothesis import strategies as st

from principals import importer
from principals.models import ImportBatch, Invitation, Principal
from principals.services import invitation_create

from .hostile import PROPERTY, check, counts, hostile_payload, rollback, snapshot, text

ORGANISER_COLUMNS = ["organizationNumber", "displayName", "organizerType", "municipalityCodes"]
UNIT_COLUMNS = [
    "schoolUnitCode",
    "displayName",
    "status",
    "schoolTypes",
    "municipalityCode",
    "organizationNumber",
    "startDate",
    "endDate",
]
VALID = {
    "organizationNumber": "559900-0063",
    "displayName": "Skolan AB",
    "organizerType": "ENSKILD",
    "municipalityCodes": "0180",
    "schoolUnitCode": "90000010",
    "status": "AKTIV",
    "schoolTypes": "GR",
    "municipalityCode": "0180",
    "startDate": "2019-08-01",
    "endDate": "",
}

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def csv_file(draw) -> bytes:
    columns = draw(st.sampled_from([ORGANISER_COLUMNS, UNIT_COLUMNS]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([";", ","])))
    writer.writerow(columns)
    for _row in range(draw(st.integers(1, 4))):
        writer.writerow(
            [draw(st.one_of(st.just(VALID[c]), st.just(VALID[c]), text)) for c in columns]
        )
    return out.getvalue().encode()


@st.composite
def json_file(draw) -> bytes:
    key = draw(st.sampled_from(["organizers", "schoolUnits", "data", "other"]))
    columns = ORGANISER_COLUMNS if key in ("organizers", "data") else UNIT_COLUMNS
    records = [
        {c: draw(st.one_of(st.just(VALID[c]), json_value)) for c in columns}
        for _record in range(draw(st.integers(0, 3)))
    ]
    body = draw(st.one_of(st.just({key: records}), st.just(records), json_value))
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode()


import_file = st.one_of(
    csv_file(),
    json_file(),
    st.binary(max_size=300),
    st.sampled_from([b"", b"\x00" * 50, b"\xef\xbb\xbf", b"\xff\xfe{}", b"[" * 5000, b"{}"]),
    text.map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@given(data=st.data())
@PROPERTY
def test_contact_details_update(client, editor_a, principal_a, data):
    client.force_login(editor_a, backend="portal.backends.PortalModelBackend")
    base = {"email": "info@a.example.se", "phone": "08-123 45 67", "pupils": "420"}
    base["version"] = str(principal_a.version)
    payload = data.draw(hostile_payload(base, base))
    url = reverse("principals:principal-update", args=[principal_a.pk])
    with rollback():
        before = counts()
        watched = snapshot(principal_a)
        check(client.post(url, payload), before, watch=principal_a, watched=watched)


@given(data=st.data())
@PROPERTY
def test_invitation_create(client, staff, principal_a, data):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    base = {"email": "ny@a.example.se", "role": "editor"}
    payload = data.draw(hostile_payload(base, base))
    url = reverse("principals:invitation-create", args=[principal_a.pk])
    with rollback():
        before = counts()
        check(client.post(url, payload), before)


@pytest.fixture
def token(staff, principal_a):
    invitation = invitation_create(
        principal=principal_a, email="ny@a.example.se", role="editor", actor=staff
    )
    token = invitation.new_token()
    invitation.save()
    return token


@given(data=st.data())
@PROPERTY
def test_invitation_accept(client, token, data):
    base = {"password1": "ett-långt-lösenord-2026", "password2": "ett-långt-lösenord-2026"}
    payload = data.draw(hostile_payload(base, base))
    with rollback():
        before = counts()
        check(client.post(reverse("principals:invitation-accept", args=[token]), payload), before)


@given(path_token=text)
@PROPERTY
def test_invitation_link_with_a_hostile_token(client, db, path_token):
    url = reverse("principals:invitation-accept", args=["x"]).replace("/x/", "/")
    response = client.get(url + path_token.replace("/", "") + "/")
    assert response.status_code in (404, 200, 301)  # 301: APPEND_SLASH


NUL_CSV = b"organizationNumber;displayName;organizerType\n559900-0063;A\x00;ENSKILD\n"
NUL_JSON = b'[{"organizationNumber": "559900-0063", "displayName": "A\\u0000"}]'


@given(content=import_file, name=st.one_of(st.just("register.csv"), text), full=st.booleans())
@example(content=NUL_CSV, name="register.csv", full=False)
@example(content=NUL_JSON, name="register.json", full=False)
@example(content=b"[" * 5000, name="register.json", full=False)
@example(content=b"a\rb;organizationNumber\n", name="register.csv", full=False)
@example(content=NUL_CSV.replace(b"\x00", b""), name="register\x00.csv", full=True)
@PROPERTY
def test_import_upload_and_apply(client, staff, content, name, full):
    client.force_login(staff, backend="portal.backends.PortalModelBackend")
    # A browser sends only the last part of a path; Django refuses to build one named "/".
    # File systems cap a name at 255 bytes, so no browser sends a longer one (a part
    # header over 1 KiB is answered 400 by Django before any view runs).
    base = name.replace("\x00", "").replace("\\", "/").rsplit("/", 1)[-1]
    base = base.encode()[:255].decode(errors="ignore")
    upload = SimpleUploadedFile(base if base not in ("", ".", "..") else "x", content)
    with rollback():
        before = counts()
        response = client.post(
            reverse("principals:import-upload"), {"file": upload, "full": full or ""}
        )
        if not check(response, before):
            return
        batch = ImportBatch.objects.get()
        assert counts()["principals.Principal"] == before["principals.Principal"]
        assert batch.job.finished  # the check ran on the (immediate) worker
        if batch.status == ImportBatch.Status.FAILED:  # the file could not be read
            page = client.get(response["Location"]).content.decode()
            assert batch.job.error and escape(batch.report["error"]) in page
        response = client.post(reverse("principals:import-apply", args=[batch.pk]))
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.status in (ImportBatch.Status.APPLIED, ImportBatch.Status.FAILED)
        if batch.status == ImportBatch.Status.FAILED:
            after = counts()
            assert after["principals.Principal"] == before["principals.Principal"]
            assert after["principals.SchoolUnit"] == before["principals.SchoolUnit"]


@given(content=import_file)
@PROPERTY
def test_import_command(tmp_path_factory, db, content):
    path = tmp_path_factory.mktemp("import") / "register.json"
    path.write_bytes(content)
    with rollback():
        before = Principal.objects.count(), Invitation.objects.count()
        try:
            call_command("import_skolverket", str(path), stdout=io.StringIO())
        except CommandError as error:
            assert str(error)  # a message, and nothing written
            assert (Principal.objects.count(), Invitation.objects.count()) == before


@given(content=import_file)
@PROPERTY
def test_importer_plan(db, content):
    try:
        parsed = importer.parse_bytes(content, "register.csv")
    except importer.ImportFileError as error:
        assert str(error)
        return
    plan = importer.build_plan(parsed, full=False)
    json.dumps(plan.summary())
