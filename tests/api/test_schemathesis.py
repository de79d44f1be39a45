"""schemathesis against the live API (examples and fuzzing), with each kind of key: no server
error, no response outside the published schema (status, content type, body), and no invalid
input accepted. SCHEMATHESIS_EXAMPLES (default 10; CI 30) sets the examples per operation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.text import slugify

from api.models import ApiKey, hash_key, new_key
from tests.access_matrix import world as world_module

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def _key(user, principal) -> str:
    prefix, secret = new_key()
    ApiKey.objects.create(
        name="schemathesis",
        prefix=prefix,
        key_hash=hash_key(secret),
        scope="write",
        user=user,
        principal=principal,
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    return secret


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["editor", "staff", "none"])
def test_schemathesis_finds_nothing(live_server, settings, tmp_path, who):
    settings.API_RATE_LIMIT = 1_000_000
    world = world_module.build()
    keys = {
        "editor": _key(world.users["editor_a"], world.principals["A"]),
        "staff": _key(world.users["staff"], None),
    }
    # With keys, the path names the organiser and the round the key reaches, so the operations'
    # own checks (the form's validation, If-Match) are reached, not only the 404.
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.organisation_number" = "{world.principals["A"].organisation_number}"\n'
        f'"path.round_code" = "{slugify(world.objects["open_round"].name)}"\n'
    )
    command = [
        str(Path(sys.executable).with_name("st")),
        *(["--config-file", str(config)] if who != "none" else []),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--phases",
        "examples,fuzzing",
        "--checks",
        CHECKS,
        "--max-examples",
        os.environ.get("SCHEMATHESIS_EXAMPLES", "10"),
        "--seed",
        "18",
        "--workers",
        "1",
        "--no-color",
        "--suppress-health-check",
        "all",
        "--report-dir",
        str(tmp_path),
    ]
    if who != "none":
        command += ["--header", f"Authorization: Bearer {keys[who]}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
