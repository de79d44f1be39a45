"""The register upload: size limit, type check and a clear Swedish message for anything else
(on the form, or on the page of the check's job when the file cannot be read)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from principals.models import ImportBatch, Principal
from principals.services import MAX_UPLOAD_BYTES

HEADER = b"organizationNumber;displayName;organizerType\n"


def _upload(client, name, content):
    url = reverse("principals:import-upload")
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.csv", b"", "Den skickade filen är tom."),
        ("register.pdf", b"%PDF-1.7", "Välj en JSON- eller CSV-fil"),
        ("register.csv.exe", HEADER, "Välj en JSON- eller CSV-fil"),
        ("register", HEADER, "Välj en JSON- eller CSV-fil"),
    ],
)
def test_a_file_the_form_refuses_gets_a_message(login, staff, name, content, message):
    response = _upload(login(staff), name, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Det finns ett problem" in body
    assert message in body, body[body.find("error-summary") :][:800]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.csv", b"   \n\n", "är tom"),
        ("register.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "är inte text i UTF-8"),
        ("register.csv", "organizationNumber;displayName".encode("utf-16"), "är inte text i UTF-8"),
        ("register.json", b"\xff\xd8\xff\xe0 JFIF", "är inte text i UTF-8"),
        ("register.json", b'{"organizers": [', "är inte giltig JSON"),
        ("register.json", b'{"something": []}', "ser inte ut som Skolverkets register"),
        ("register.csv", b"name;email\nA;b\n", "varken JSON eller en CSV-fil"),
    ],
)
def test_a_file_that_is_no_register_fails_its_check_with_a_message(
    login, staff, name, content, message
):
    """The check runs on a worker: its job's page gives the reason, and nothing is imported."""
    client = login(staff)
    response = _upload(client, name, content)
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert message in body
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.job.status == "failed"
    assert not Principal.objects.exists()


def test_no_file_at_all_is_refused_with_a_message(login, staff):
    response = login(staff).post(reverse("principals:import-upload"), {"full": "on"})
    assert response.status_code == 200
    assert "Detta fält måste fyllas i." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(login, staff):
    content = HEADER + b"x" * (MAX_UPLOAD_BYTES + 1 - len(HEADER))
    response = _upload(login(staff), "register.csv", content)
    assert response.status_code == 200
    assert "Filen är för stor (högst 20 MB)." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_at_the_size_limit_is_read(login, staff):
    # Long names (the field takes 255 characters): the limit in bytes with fewer rows to read.
    row = b"559900-0063;Skolan " + b"A" * 230 + b";ENSKILD\n"
    content = HEADER + row * ((MAX_UPLOAD_BYTES - len(HEADER)) // len(row))
    assert len(content) <= MAX_UPLOAD_BYTES
    response = _upload(login(staff), "register.csv", content)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.filename == "register.csv"
    assert batch.status == ImportBatch.Status.PLANNED  # read and checked, all 20 MB
