"""The access matrix: every URL pattern of the project, for every role, has a declared outcome.

A URL pattern without a rule fails `test_every_url_pattern_has_a_rule` (so a new URL cannot
escape), and so does a rule whose URL no longer exists. `test_access` runs one rule per test
against every role (and, for an organiser's objects, against principal A's and B's), reports
each cell that differs, checks that no response leaks another organiser's answers (nor, to
organisers and anonymous visitors, another organiser's name), and that nothing in the database
changed. The data is built once for the module (tests/access_matrix).
"""

import hashlib
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from readiness import tally
from readiness.models import ReportingRound
from tests.access_matrix import world as world_module
from tests.access_matrix.rules import (
    ADMIN_LOGIN,
    ADMIN_RULES,
    LOGIN,
    OK,
    ORGANISER_ROLES,
    REDIRECT,
    ROLES,
    RULES,
)

# Cells that show a known, reported access bug in an app another helper is still finishing:
# {(rule label, role, owner): (outcome seen, reason)}. Strict: a listed cell that starts to
# match its expectation fails the test, so the entry is removed when the bug is fixed.
KNOWN_BUGS: dict[tuple[str, str, str | None], tuple[str, str]] = {}

# Data the portal owns: compared before and after each rule's requests.
DIGESTED_APPS = ("portal", "principals", "agreement", "readiness", "reporting", "federation")


def walk(patterns, prefix: str = "", namespace: str | None = None):
    """(key, route) of every URL pattern; key is the namespaced name, or 'route:<route>'."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = f"route:{route}"
            yield key, route


def is_admin(key: str, route: str, admin_prefix: str) -> bool:
    return key.startswith("admin:") or route.startswith(admin_prefix)


def test_every_url_pattern_has_a_rule():
    patterns = list(walk(get_resolver().url_patterns))
    problems = []
    keys = [key for key, route in patterns if not is_admin(key, route, settings.ADMIN_URL)]
    duplicates = {key for key in keys if keys.count(key) > 1}
    problems += [f"two URL patterns share the name {key}" for key in sorted(duplicates)]
    problems += [f"URL pattern without a name: {key}" for key in keys if key.startswith("route:")]
    ruled = {rule.name for rule in RULES}
    problems += [f"no access rule for {key}" for key in sorted(set(keys) - ruled)]
    problems += [f"rule for a URL that no longer exists: {name}" for name in ruled - set(keys)]

    admin_keys = [key for key, route in patterns if is_admin(key, route, settings.ADMIN_URL)]
    used = set()
    for key in admin_keys:
        groups = [rule.name for rule in ADMIN_RULES if re.fullmatch(rule.covers, key)]
        if len(groups) != 1:
            problems.append(f"admin URL {key} is covered by {len(groups)} rules: {groups}")
        used.update(groups)
    problems += [
        f"admin rule that covers no URL: {rule.name}"
        for rule in ADMIN_RULES
        if rule.name not in used
    ]
    assert not problems, "\n".join(problems)


def test_the_admin_is_mounted_where_settings_say():
    assert reverse("admin:index") == "/" + settings.ADMIN_URL


# ---------------------------------------------------------------- the matrix


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, inside a transaction that is rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_module.build()
        # As after an upgrade's tally_rebuild: reading a dashboard then writes nothing.
        tally.ensure_tallied(ReportingRound.objects.values_list("pk", flat=True))
        for role in ROLES[1:]:
            client = Client()
            client.force_login(built.users[role], backend="portal.backends.PortalModelBackend")
            built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


def digest() -> dict[str, str]:
    """A fingerprint of every row of the portal's own tables."""
    prints = {}
    for app in DIGESTED_APPS:
        for model in apps.get_app_config(app).get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            rows = model._default_manager.order_by("pk").values_list()
            prints[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return prints


def _count(label: str) -> int:
    return apps.get_model(label)._default_manager.count() if label else 0


def outcome(response, url: str) -> str:
    status = response.status_code
    if status != 302:
        return str(status)
    location = urlsplit(response["Location"])
    nxt = parse_qs(location.query).get("next", [None])[0]
    for kind, login_path in ((LOGIN, reverse("login")), (ADMIN_LOGIN, reverse("admin:login"))):
        if location.path == login_path and nxt is not None:
            return kind if nxt == url else f"{kind} with next={nxt}"
    return REDIRECT


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


ERROR_HEADINGS = {
    "403": "Du har inte behörighet till sidan",
    "404": "Sidan finns inte",
}
TECHNICAL = (b"Traceback", b"Exception", b"django.", b"PermissionDenied", b"Http404")


def error_page_problems(response, status: str, where: str, url: str) -> list[str]:
    """A 403 or 404 is the portal's own page, in Swedish, with a way back, and says nothing
    technical (a page of its own, like an expired invitation's, may say more)."""
    content = body(response)
    text = content.decode()
    if 'class="error-page"' not in text and "invitation" not in where:
        return [f"{where}: the {status} is not the portal's error page {url}"]
    problems = []
    if 'class="error-page"' in text:
        if ERROR_HEADINGS[status] not in text:
            problems.append(f"{where}: the {status} page lacks its Swedish heading {url}")
        if 'href="/"' not in text:
            problems.append(f"{where}: the {status} page has no way back {url}")
    problems += [
        f"{where}: the {status} page shows {word.decode()} {url}"
        for word in TECHNICAL
        if word in content
    ]
    return problems


def forbidden_secrets(role: str) -> list[str]:
    """Answers this role must never see: organisers see only their own, the Government none."""
    if role in ("staff", "lead", "admin"):
        return []
    if role in ("reader_a", "editor_a"):
        return [world_module.SECRET_B]
    return [world_module.SECRET_A, world_module.SECRET_B]


def hidden_principals(world, role: str) -> list[str]:
    """Organisers whose very name a role must not see: another organiser's, for members of A;
    any, for anonymous visitors (open data are aggregates)."""
    if role in ORGANISER_ROLES:
        return [world.principals["B"].name]
    if role == "anonymous":
        return [p.name for p in world.principals.values()]
    return []


def client_for(world, role: str, fresh: bool = False) -> Client:
    """A client logged in as the role: the module's session, or a new one after a POST."""
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if fresh:
        client.force_login(world.users[role], backend="portal.backends.PortalModelBackend")
    else:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def cells(rule):
    owners = ("A", "B") if rule.scoped else (None,)
    return [(role, owner) for role in ROLES for owner in owners]


def url_of(rule, world, owner) -> tuple[str, dict]:
    if rule.path is not None:
        return rule.path(world), {}
    kwargs = rule.args(world, owner or "A")
    return reverse(rule.name, kwargs=kwargs or None), kwargs


def run(rule, world):
    """Every cell of one rule: (mismatches, known bugs seen, known bugs now fixed)."""
    mismatches, known, fixed = [], [], []
    clients, used = {}, set()
    for role, owner in cells(rule):
        url, kwargs = url_of(rule, world, owner)
        if rule.path is None:
            assert resolve(url).view_name == rule.name, f"{rule.label}: {url} resolves elsewhere"
        client = clients.get(role) or client_for(world, role, fresh=role in used)
        clients[role] = client
        used.add(role)
        made = _count(rule.creates)
        response = getattr(client, rule.method)(url, rule.data)
        got = outcome(response, url)
        expected = rule.expected(role, owner)
        where = f"{rule.label} as {role}" + (f" on principal {owner}'s object" if owner else "")
        key = (rule.label, role, owner)
        if key in KNOWN_BUGS:
            seen, reason = KNOWN_BUGS[key]
            if got == expected:
                fixed.append(f"{where}: now {got} as declared; remove it from KNOWN_BUGS")
            elif got == seen:
                known.append(f"{where}: expected {expected}, got {got} ({reason})")
            else:
                mismatches.append(f"{where}: expected {expected}, got {got} {url}")
        elif got != expected:
            mismatches.append(f"{where}: expected {expected}, got {got} {url}")
        if got in ("403", "404") and response.get("Content-Type", "").startswith(
            "application/problem+json"
        ):  # the API's refusals are problems (docs/api.md), not the portal's error page
            problem = json.loads(response.content)
            if not (problem.get("type", "").startswith("urn:") and problem.get("title")):
                mismatches.append(f"{where}: {got} is not a complete problem {url}")
        elif got in ("403", "404") and rule not in ADMIN_RULES:
            mismatches += error_page_problems(response, got, where, url)
        if got == OK:
            content = body(response)
            for secret in forbidden_secrets(role):
                if secret.encode() in content:
                    mismatches.append(f"{where}: the response shows {secret} {url}")
            if not rule.names_principal:
                for name in hidden_principals(world, role):
                    if name.encode() in content:
                        mismatches.append(f"{where}: the response names {name} {url}")
        if rule.mutates:
            allowed = expected not in (LOGIN, ADMIN_LOGIN) and not expected.startswith("4")
            if rule.gone(kwargs) != allowed:
                mismatches.append(
                    f"{where}: the object was {'not ' if allowed else ''}removed {url}"
                )
        if rule.creates:
            allowed = expected not in (LOGIN, ADMIN_LOGIN) and not expected.startswith("4")
            if (_count(rule.creates) > made) != allowed:
                mismatches.append(
                    f"{where}: a {rule.creates} was {'not ' if allowed else ''}created {url}"
                )
        if rule.method == "post" or role == "anonymous":
            clients.pop(role)  # a POST (e.g. logging out) may have changed the session
    return mismatches, known, fixed


ALL_RULES = RULES + ADMIN_RULES


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.label for r in ALL_RULES])
def test_access(world, rule):
    before = None if rule.mutates else digest()
    mismatches, known, fixed = run(rule, world)
    if before is not None:
        after = digest()
        changed = sorted(
            label for label in before if before[label] != after[label] and label != rule.creates
        )
        if changed:
            mismatches.append(f"{rule.label}: the requests changed {', '.join(changed)}")
    problems = mismatches + fixed
    assert not problems, "\n".join(problems)
    if known:
        pytest.xfail("known access bug: " + "; ".join(known))
