"""API v1 through the test client: the schema, problems, keys, the self-assessment with the
form's rules, and open data in the open-data files' numbers."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey, ApiKeyUse, hash_key
from portal.models import AuditEvent
from readiness.models import Assessment
from readiness.services import framework_load_default
from tests.api.factories import bearer, make_key
from tests.portal.factories import government_user, staff_user
from tests.principals.factories import MembershipFactory, PrincipalFactory, SchoolUnitFactory
from tests.readiness.factories import ReportingRoundFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def setup():
    framework = framework_load_default(actor="test")[0]
    reporting_round = ReportingRoundFactory(name="Hösten 2026", framework_version=framework)
    principal = PrincipalFactory(name="Nyckelskolan AB")
    other = PrincipalFactory(name="Andra skolan AB")
    SchoolUnitFactory(principal=principal)
    editor = MembershipFactory(
        principal=principal, user__first_name="Eva", user__last_name="Ek"
    ).user
    reader = MembershipFactory(principal=principal, role="reader").user
    MembershipFactory(principal=other)
    return {
        "round": reporting_round,
        "framework": framework,
        "principal": principal,
        "other": other,
        "editor": editor,
        "reader": reader,
    }


def base(principal) -> str:
    return f"/api/v1/organisers/{principal.organisation_number}/self-assessments/hosten-2026"


def complete_answers(framework) -> dict:
    answers = {}
    for indicator in framework.indicators.all():
        if not indicator.required:
            continue
        options = [v for v, _label in indicator.options()]
        if indicator.answer_type == "multi_choice":
            value = options[:1]
        elif options:
            value = options[0]
        elif indicator.answer_type in ("percentage", "integer"):
            value = max(0, indicator.min_value or 0)
        else:
            value = "Svar"
        answers[indicator.code] = {"value": value, "comment": ""}
    return answers


def test_openapi_is_3_1_and_documents_problems(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    draft = schema["paths"][
        "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/draft"
    ]
    assert set(draft["put"]["responses"]) >= {
        "200",
        "401",
        "403",
        "404",
        "412",
        "422",
        "428",
        "429",
    }
    assert "application/problem+json" in draft["put"]["responses"]["412"]["content"]


def test_no_key_is_401_problem_in_swedish(client, setup):
    response = client.get(f"/api/v1/organisers/{setup['principal'].organisation_number}")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == "urn:skoldigistod:api:problem:unauthorized"
    assert body["title"] == "En giltig API-nyckel behövs"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_key_is_stored_hashed_and_logs_each_use(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    key = ApiKey.objects.get()
    assert key.key_hash == hash_key(secret) and secret not in key.key_hash
    number = setup["principal"].organisation_number
    response = client.get(f"/api/v1/organisers/{number}", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["name"] == "Nyckelskolan AB"
    use = ApiKeyUse.objects.get()
    assert (use.method, use.path, use.status) == ("GET", f"/api/v1/organisers/{number}", 200)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_another_organisers_key_gets_404(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    response = client.get(
        f"/api/v1/organisers/{setup['other'].organisation_number}", **bearer(secret)
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith(":not-found")


def test_revoked_and_expired_keys_are_refused(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    url = f"/api/v1/organisers/{setup['principal'].organisation_number}"
    ApiKey.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(url, **bearer(secret)).status_code == 401
    ApiKey.objects.update(
        expires_at=timezone.now() + datetime.timedelta(days=1), revoked_at=timezone.now()
    )
    assert client.get(url, **bearer(secret)).status_code == 401
    assert client.get(url, **bearer(secret[:-1] + "x")).status_code == 401


def test_draft_save_and_submit_with_the_forms_rules(client, setup):
    principal, framework = setup["principal"], setup["framework"]
    secret = make_key(setup["editor"], principal=principal)
    url = base(principal)
    read = client.get(url, **bearer(secret))
    assert read.status_code == 200 and read["ETag"] == '"1"'
    answers = complete_answers(framework)
    body = json.dumps({"answers": answers})
    # No If-Match: 428; a stale one: 412 with the current version.
    no_match = client.put(url + "/draft", body, content_type="application/json", **bearer(secret))
    assert no_match.status_code == 428
    saved = client.put(
        url + "/draft", body, content_type="application/json", HTTP_IF_MATCH='"1"', **bearer(secret)
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["state"] == "draft" and saved["ETag"] == '"2"'
    stale = client.put(
        url + "/draft", body, content_type="application/json", HTTP_IF_MATCH='"1"', **bearer(secret)
    )
    assert stale.status_code == 412 and stale["ETag"] == '"2"'
    submitted = client.post(url + "/submission", HTTP_IF_MATCH='"2"', **bearer(secret))
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["submission"] == 1
    assessment = Assessment.objects.get(principal=principal)
    assert assessment.state == Assessment.State.SUBMITTED
    event = AuditEvent.objects.filter(action="submitted").get()
    assert event.actor == setup["editor"]
    assert event.actor_label == f"api-key:{ApiKey.objects.get().prefix}"
    # The history page names the person and the key.
    client.force_login(setup["editor"])
    history = client.get(
        reverse(
            "readiness:assessment-history",
            kwargs={"principal_pk": principal.pk, "round_pk": setup["round"].pk},
        )
    )
    assert f"Eva Ek via API-nyckel {ApiKey.objects.get().prefix}" in history.content.decode()
    versions = client.get(url + "/versions", **bearer(secret)).json()
    assert [v["submission"] for v in versions["values"]] == [1, None]


def test_invalid_answers_get_the_forms_refusals(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    indicator = setup["framework"].indicators.filter(answer_type="percentage").first()
    body = {"answers": {indicator.code: {"value": 101}, "okand-fraga": {"value": "x"}}}
    response = client.put(
        base(setup["principal"]) + "/draft",
        json.dumps(body),
        content_type="application/json",
        HTTP_IF_MATCH="1",
        **bearer(secret),
    )
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert errors[indicator.code] == "Ange ett heltal från 0 till 100."
    assert "okand-fraga" in errors[""]
    assert not Assessment.objects.exists() or Assessment.objects.get().draft is None


@pytest.mark.parametrize(
    "body",
    [b'{"answers": {"a": {"value": NaN}}}', b'{"answers": "\\ud800"}', b"not json", b"[]"],
)
def test_hostile_bodies_are_refused_and_change_nothing(client, setup, body):
    secret = make_key(setup["editor"], principal=setup["principal"])
    response = client.put(
        base(setup["principal"]) + "/draft",
        body,
        content_type="application/json",
        HTTP_IF_MATCH="1",
        **bearer(secret),
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith(PROBLEM)
    assert not Assessment.objects.filter(draft__isnull=False).exists()


def test_a_read_key_cannot_write_and_a_reader_cannot_submit(client, setup):
    principal = setup["principal"]
    read_key = make_key(setup["editor"], principal=principal, scope="read")
    response = client.put(
        base(principal) + "/draft",
        json.dumps({"answers": {}}),
        content_type="application/json",
        HTTP_IF_MATCH="1",
        **bearer(read_key),
    )
    assert response.status_code == 403, response.content
    write_key = make_key(setup["editor"], principal=principal)
    # The editor becomes a reader: the key carries the person's rights as they are now.
    setup["editor"].memberships.update(role="reader")
    response = client.post(base(principal) + "/submission", HTTP_IF_MATCH="1", **bearer(write_key))
    assert response.status_code == 403


def test_rate_limit_answers_429_with_retry_after(client, setup, settings):
    settings.API_RATE_LIMIT = 3
    secret = make_key(setup["editor"], principal=setup["principal"])
    url = f"/api/v1/organisers/{setup['principal'].organisation_number}"
    statuses = [client.get(url, **bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(url, **bearer(secret))
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["type"].endswith(":too-many-requests")


def test_staff_key_reads_the_register_in_pages(client, setup):
    staff = staff_user()
    secret = make_key(staff)
    first = client.get("/api/v1/organisers?limit=1", **bearer(secret)).json()
    assert first["count"] == 2 and len(first["values"]) == 1
    second = client.get(first["nextPage"], **bearer(secret)).json()
    assert second["nextPage"] is None
    names = {first["values"][0]["name"], second["values"][0]["name"]}
    assert names == {"Nyckelskolan AB", "Andra skolan AB"}
    forged = client.get("/api/v1/organisers?pageToken=abc", **bearer(secret))
    assert forged.status_code == 400


def test_organiser_key_sees_only_its_own_register_row_and_no_staff_data(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    register = client.get("/api/v1/organisers", **bearer(secret)).json()
    assert [v["name"] for v in register["values"]] == ["Nyckelskolan AB"]
    assert client.get("/api/v1/rounds", **bearer(secret)).status_code == 403


def test_government_cannot_make_keys(client, setup):
    client.force_login(government_user())
    assert client.get(reverse("api:key-list")).status_code == 403


def test_editor_creates_a_key_in_the_browser_and_sees_it_once(client, setup):
    client.force_login(setup["editor"])
    response = client.post(
        reverse("api:key-create"),
        {
            "name": "Vårt elevregister",
            "owner": str(setup["principal"].pk),
            "scope": "write",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    listing = client.get(reverse("api:key-list")).content.decode()
    assert "Vårt elevregister" in listing and secret not in listing
    key = ApiKey.objects.get()
    assert key.principal == setup["principal"] and key.user == setup["editor"]
    client.post(reverse("api:key-revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_editor_cannot_make_a_key_for_another_organiser(client, setup):
    client.force_login(setup["editor"])
    response = client.post(
        reverse("api:key-create"),
        {
            "name": "Fel",
            "owner": str(setup["other"].pk),
            "scope": "write",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_an_unchanged_draft_in_a_closed_round_is_refused_as_the_form_refuses_it(client, setup):
    secret = make_key(setup["editor"], principal=setup["principal"])
    today = timezone.localdate()
    type(setup["round"]).objects.filter(pk=setup["round"].pk).update(
        opens_on=today - datetime.timedelta(days=30), closes_on=today - datetime.timedelta(days=1)
    )
    response = client.put(
        base(setup["principal"]) + "/draft",
        json.dumps({"answers": {}}),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **bearer(secret),
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "Omgången är stängd: svaren kan inte längre ändras."
    assert not Assessment.objects.exists()


def test_the_openapi_description_answers_get_only(client):
    response = client.post("/api/v1/openapi.json")
    assert response.status_code == 405
    assert response["Content-Type"].startswith(PROBLEM)
    assert response["Allow"] == "GET, HEAD"
