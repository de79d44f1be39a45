"""Regressions found by the property tests (tests/property)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from principals.models import ImportBatch


def test_json_nested_too_deeply_is_refused_with_a_message(login, staff):
    upload = SimpleUploadedFile("register.json", b"[" * 100_000)
    response = login(staff).post(reverse("principals:import-upload"), {"file": upload})
    assert response.status_code == 200
    assert "är inte giltig JSON" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_nul_characters_in_a_register_file_do_not_break_the_import(login, staff):
    content = (
        b"organizationNumber;displayName;organizerType;municipalityCodes;email;phone\n"
        b"559900-0063;Skolan\x00 AB;ENSKILD;0180;in\x00fo@skolan.example;08\x00\n"
    )
    client = login(staff)
    upload = SimpleUploadedFile("register\x00.csv", content)
    response = client.post(reverse("principals:import-upload"), {"file": upload})
    assert response.status_code == 200
    assert "är inte text i UTF-8" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_escaped_nul_in_json_is_refused_with_a_message(login, staff):
    content = b'{"organizers": [{"organizationNumber": "559900-0063", "displayName": "A\\u0000"}]}'
    upload = SimpleUploadedFile("register.json", content)
    response = login(staff).post(reverse("principals:import-upload"), {"file": upload})
    assert response.status_code == 200
    assert "är inte giltig JSON" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_csv_header_that_cannot_be_read_is_refused_with_a_message(login, staff):
    upload = SimpleUploadedFile("register.csv", b"organizationNumber\rdisplayName;x\n1;2\n")
    response = login(staff).post(reverse("principals:import-upload"), {"file": upload})
    assert response.status_code == 200
    assert "kunde inte läsas som CSV" in response.content.decode()
    assert not ImportBatch.objects.exists()
