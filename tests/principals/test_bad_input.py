"""Regressions found by the property tests (tests/property)."""

from principals.models import ImportBatch, Principal
from tests.principals.importing import follow, post_file


def _refused(client, name: str, content: bytes, message: str) -> None:
    """The check's job fails with the reason in Swedish and the register is left as it was."""
    page = follow(client, post_file(client, name, content))
    assert message in page
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED
    assert not Principal.objects.exists()


def test_json_nested_too_deeply_is_refused_with_a_message(login, staff):
    _refused(login(staff), "register.json", b"[" * 100_000, "är inte giltig JSON")


def test_nul_characters_in_a_register_file_do_not_break_the_import(login, staff):
    content = (
        b"organizationNumber;displayName;organizerType;municipalityCodes;email;phone\n"
        b"559900-0063;Skolan\x00 AB;ENSKILD;0180;in\x00fo@skolan.example;08\x00\n"
    )
    _refused(login(staff), "register\x00.csv", content, "är inte text i UTF-8")
    assert ImportBatch.objects.get().filename == "register.csv"


def test_an_escaped_nul_in_json_is_refused_with_a_message(login, staff):
    content = b'{"organizers": [{"organizationNumber": "559900-0063", "displayName": "A\\u0000"}]}'
    _refused(login(staff), "register.json", content, "är inte giltig JSON")


def test_a_csv_header_that_cannot_be_read_is_refused_with_a_message(login, staff):
    content = b"organizationNumber\rdisplayName;x\n1;2\n"
    _refused(login(staff), "register.csv", content, "kunde inte läsas som CSV")
