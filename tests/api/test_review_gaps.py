"""What a review of API v1 found: an unchanged draft saved a version (and reopened a
submission), wrong methods and unknown addresses were not problems, the OpenAPI description
had If-Match optional and no ETag, and the documentation page stood outside the portal."""

import json

import pytest

from portal.models import AuditEvent
from readiness.models import Assessment, AssessmentVersion
from tests.api.factories import bearer, make_key
from tests.api.test_api import PROBLEM, base, complete_answers, setup  # noqa: F401

pytestmark = pytest.mark.django_db

DRAFT = "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/draft"
SUBMISSION = "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}/submission"
ASSESSMENT = "/api/v1/organisers/{organisation_number}/self-assessments/{round_code}"


def _put(client, url, answers, version, secret):
    return client.put(
        url + "/draft",
        json.dumps({"answers": answers}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{version}"',
        **bearer(secret),
    )


def test_an_unchanged_draft_saves_nothing_and_an_unchanged_submission_is_refused(client, setup):  # noqa: F811
    principal = setup["principal"]
    secret = make_key(setup["editor"], principal=principal)
    url = base(principal)
    answers = complete_answers(setup["framework"])
    assert _put(client, url, answers, 1, secret)["ETag"] == '"2"'
    # Unchanged while a draft: nothing saved, the current version in ETag.
    events = AuditEvent.objects.count()
    same = _put(client, url, answers, 2, secret)
    assert same.status_code == 200, same.content
    assert same["ETag"] == '"2"' and same.json()["version"] == 2
    assert AssessmentVersion.objects.count() == 1
    assert AuditEvent.objects.count() == events
    submitted = client.post(url + "/submission", HTTP_IF_MATCH='"2"', **bearer(secret))
    assert submitted.status_code == 201, submitted.content
    # Unchanged after the submission: not reopened, no draft version, no event.
    events = AuditEvent.objects.count()
    same = _put(client, url, answers, 3, secret)
    assert same.status_code == 200, same.content
    assert same["ETag"] == '"3"'
    assert same.json()["state"] == "submitted" and same.json()["draft"] is None
    assessment = Assessment.objects.get(principal=principal)
    assert assessment.state == Assessment.State.SUBMITTED and assessment.draft_id is None
    assert assessment.version == 3
    assert AssessmentVersion.objects.count() == 2
    assert AuditEvent.objects.count() == events
    # A stale If-Match is still refused, even for an unchanged body.
    stale = _put(client, url, answers, 2, secret)
    assert stale.status_code == 412 and stale["ETag"] == '"3"'
    # Submitting again with nothing changed: refused as the review page refuses it.
    again = client.post(url + "/submission", HTTP_IF_MATCH='"3"', **bearer(secret))
    assert again.status_code == 422, again.content
    assert again["Content-Type"].startswith(PROBLEM)
    body = again.json()
    assert body["type"] == "urn:skoldigistod:api:problem:invalid-content"
    assert body["detail"] == "Inget har ändrats sedan version 1 skickades in."
    assert AssessmentVersion.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_an_unchanged_empty_draft_of_a_new_assessment_saves_nothing(client, setup):  # noqa: F811
    secret = make_key(setup["editor"], principal=setup["principal"])
    response = _put(client, base(setup["principal"]), {}, 1, secret)
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"1"' and response.json()["state"] == "not_started"
    assert not AssessmentVersion.objects.exists()
    stale = _put(client, base(setup["principal"]), {}, 5, secret)
    assert stale.status_code == 412 and stale["ETag"] == '"1"'


def test_an_unchanged_draft_keeps_the_access_checks(client, setup):  # noqa: F811
    principal = setup["principal"]
    secret = make_key(setup["editor"], principal=principal)
    setup["editor"].memberships.update(role="reader")
    response = _put(client, base(principal), {}, 1, secret)
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)


def test_a_wrong_method_is_a_405_problem_with_allow(client):
    response = client.post("/api/v1/open-data/rounds")
    assert response.status_code == 405
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["type"] == "urn:skoldigistod:api:problem:method-not-allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nothing"),
        ("get", "/api/v1/open-data/rounds/"),
        ("get", "/api/v1/"),
        ("get", "/api/v1"),
        ("get", "/api/"),
        ("get", "/api/nothing/"),
        ("post", "/api/v1/nothing"),
        ("delete", "/api/v1/organisers/"),
    ],
)
def test_unknown_addresses_are_404_problems(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["type"] == "urn:skoldigistod:api:problem:not-found"


def test_pages_for_people_keep_their_html(client):
    missing = client.get("/api/nycklar/nothing/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")
    assert client.get("/api/dokumentation").status_code == 301
    assert client.get("/api/nycklar").status_code == 301


def test_openapi_requires_if_match_and_declares_etag(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method, status in ((DRAFT, "put", "200"), (SUBMISSION, "post", "201")):
        operation = paths[path][method]
        (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert if_match["in"] == "header" and if_match["required"] is True
        assert if_match["schema"]["type"] == "string" and "anyOf" not in if_match["schema"]
        assert "ETag" in operation["responses"][status]["headers"]
        assert "ETag" in operation["responses"]["412"]["headers"]
    assert "ETag" in paths[ASSESSMENT]["get"]["responses"]["200"]["headers"]
    assert "If-Match" not in json.dumps(paths[ASSESSMENT]["get"].get("parameters", []))
    assert "nothing has changed" in paths[SUBMISSION]["post"]["responses"]["422"]["description"]


def test_every_operation_has_a_swedish_summary(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    summaries = [op["summary"] for item in paths.values() for op in item.values()]
    assert summaries and all(summaries)
    assert len(set(summaries)) == len(summaries)
    assert paths[DRAFT]["put"]["summary"] == "Spara utkastet"
    assert paths[SUBMISSION]["post"]["summary"] == "Skicka in självskattningen"


def test_the_documentation_page_is_a_portal_page(client):
    response = client.get("/api/dokumentation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and 'class="language-switch"' in html
    assert "css/portal.css" in html and "ninja/swagger-ui.css" in html
    assert "ninja/swagger-ui-bundle.js" in html and "ninja/swagger-ui-init.js" in html
    assert 'id="swagger-settings"' in html and "/api/v1/openapi.json" in html
    assert "<h1>API-dokumentation</h1>" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_head_is_get_without_the_body(client, setup):  # noqa: F811
    got = client.get("/api/v1/open-data/rounds")
    head = client.head("/api/v1/open-data/rounds")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))
    assert "HEAD" in client.post("/api/v1/open-data/rounds")["Allow"]
    # The same access rules: another organiser's address is a 404, without a key a 401.
    principal = setup["principal"]
    secret = make_key(setup["editor"], principal=principal)
    assert client.head(base(principal), **bearer(secret)).status_code == 200
    assert client.head(base(principal)).status_code == 401
    other = client.head(
        base(principal).replace(principal.organisation_number, "212000-0142"), **bearer(secret)
    )
    assert other.status_code == 404
