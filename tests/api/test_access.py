"""The access matrix of API v1, with keys: every operation the schema publishes, for every kind
of key, against principal A's and B's data. The organiser's keys belong to A: B's data is 404
as if it did not exist; a read key cannot write; the Government's key (which the portal never
makes, see api/services.py; made here as if an administrator had) reaches no organiser's own
data. Writes are sent so that the service refuses them after the access checks (an unknown
question, an unchanged submission): nothing changes. A new operation without a row fails."""

import json

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.text import slugify

from api import v1
from api.models import ApiKey, hash_key, new_key
from readiness import tally
from readiness.models import Assessment, ReportingRound
from tests.access_matrix import world as world_module

OK, CREATED = 200, 201
# Key kinds: an editor's write and read keys for A, programme staff, the Government, none.
KINDS = ("editor_write", "editor_read", "staff", "government", "none")

ORGANISER = {"editor_write": (OK, 404), "editor_read": (OK, 404), "staff": OK, "government": 404}
ANSWERS = {"editor_write": (OK, 404), "editor_read": (OK, 404), "staff": OK, "government": 403}
WRITE = {"editor_write": (422, 404), "editor_read": (403, 404), "staff": 403, "government": 403}
STAFF = {"editor_write": 403, "editor_read": 403, "staff": OK, "government": 403}
PROGRAMME = {"editor_write": 403, "editor_read": 403, "staff": OK, "government": OK}
EVERYONE = dict.fromkeys(KINDS, OK)
ANY_KEY = {**EVERYONE, "none": 401}  # the register: what the key's user sees

A = "/api/v1/organisers/{orgnr}"
S = A + "/self-assessments/{round}"
# (method, path template as published): (expectations, path to request, scoped to A/B)
MATRIX = {
    ("get", "/api/v1/open-data/readiness"): (EVERYONE, "/api/v1/open-data/readiness"),
    ("get", "/api/v1/open-data/rounds"): (EVERYONE, "/api/v1/open-data/rounds"),
    ("get", "/api/v1/open-data/funding"): (EVERYONE, "/api/v1/open-data/funding"),
    ("get", "/api/v1/organisers/{organisation_number}"): (ORGANISER, A),
    ("get", "/api/v1/organisers/{organisation_number}/school-units"): (
        ORGANISER,
        A + "/school-units",
    ),
    ("get", "/api/v1/organisers/{organisation_number}/members"): (ORGANISER, A + "/members"),
    ("get", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/framework"): (
        ANSWERS,
        S + "/framework",
    ),
    ("get", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}"): (ANSWERS, S),
    ("put", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/draft"): (
        WRITE,
        S + "/draft",
    ),
    ("post", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/submission"): (
        WRITE,
        S + "/submission",
    ),
    ("get", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/versions"): (
        ANSWERS,
        S + "/versions",
    ),
    ("get", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/diff"): (
        ANSWERS,
        S + "/diff?from=1&to=1",
    ),
    ("get", "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/action-plan"): (
        ANSWERS,
        S + "/action-plan",
    ),
    ("get", "/api/v1/organisers"): (ANY_KEY, "/api/v1/organisers"),
    ("get", "/api/v1/rounds"): (STAFF, "/api/v1/rounds"),
    ("get", "/api/v1/rounds/{round_code}"): (STAFF, "/api/v1/rounds/{round}"),
    ("get", "/api/v1/rounds/{round_code}/reminders"): (STAFF, "/api/v1/rounds/{round}/reminders"),
    ("get", "/api/v1/programme/activities"): (PROGRAMME, "/api/v1/programme/activities"),
}


def published_operations() -> set[tuple[str, str]]:
    schema = v1.api.get_openapi_schema(path_prefix="/api/v1/")
    return {(m, p) for p, item in schema["paths"].items() for m in item}


def test_every_published_operation_is_in_the_matrix():
    assert published_operations() == set(MATRIX)


def _key(user, principal, scope) -> str:
    prefix, secret = new_key()
    ApiKey.objects.create(
        name="Matris",
        prefix=prefix,
        key_hash=hash_key(secret),
        scope=scope,
        user=user,
        principal=principal,
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    return secret


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_module.build()
        tally.ensure_tallied(ReportingRound.objects.values_list("pk", flat=True))
        a = built.principals["A"]
        built.tokens["keys"] = {
            "editor_write": _key(built.users["editor_a"], a, "write"),
            "editor_read": _key(built.users["editor_a"], a, "read"),
            "staff": _key(built.users["staff"], None, "write"),
            "government": _key(built.users["government"], None, "write"),
        }
        yield built
        transaction.set_rollback(True)


def expected(rules: dict, kind: str, owner: str) -> int:
    if kind == "none":
        return rules.get("none", 401)
    value = rules[kind]
    return (value[0] if owner == "A" else value[1]) if isinstance(value, tuple) else value


def forbidden(kind: str) -> list[str]:
    if kind == "staff":
        return []
    if kind.startswith("editor"):
        return [world_module.SECRET_B]
    return [world_module.SECRET_A, world_module.SECRET_B]


def hidden_names(world, kind: str) -> list[str]:
    """Organisers a key must not even name: B for A's keys, any for the Government and none."""
    if kind == "staff":
        return []
    if kind.startswith("editor"):
        return [world.principals["B"].name]
    return [p.name for p in world.principals.values()]


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_api_access(world, operation):
    method, _template = operation
    rules, path = MATRIX[operation]
    round_code = slugify(world.objects["open_round"].name)
    before = dict(Assessment.objects.values_list("pk", "version"))
    problems = []
    for kind in KINDS:
        for owner in ("A", "B") if "{orgnr}" in path else ("A",):
            principal = world.principals[owner]
            url = path.format(orgnr=principal.organisation_number, round=round_code)
            headers = {}
            if kind != "none":
                headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens['keys'][kind]}"
            version = Assessment.objects.get(principal=principal).version
            client = Client()
            if method == "put":
                response = client.put(
                    url,
                    json.dumps({"answers": {"ingen-sadan-fraga": {"value": "x"}}}),
                    content_type="application/json",
                    HTTP_IF_MATCH=f'"{version}"',
                    **headers,
                )
            elif method == "post":
                response = client.post(url, HTTP_IF_MATCH=f'"{version}"', **headers)
            else:
                response = client.get(url, **headers)
            want = expected(rules, kind, owner)
            where = f"{method.upper()} {url} with {kind}"
            if response.status_code != want:
                problems.append(f"{where}: expected {want}, got {response.status_code}")
            problem = response["Content-Type"].startswith("application/problem+json")
            if response.status_code >= 400 and not problem:
                problems.append(f"{where}: the error is not a problem")
            for secret in forbidden(kind) + hidden_names(world, kind):
                if secret.encode() in response.content:
                    problems.append(f"{where}: the response shows {secret}")
    after = dict(Assessment.objects.values_list("pk", "version"))
    if before != after:
        problems.append("an assessment changed")
    assert not problems, "\n".join(problems)
