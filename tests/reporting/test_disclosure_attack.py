"""The disclosure attack test: nothing an outside reader can fetch pins one organiser's answer.

Slow (it fetches every filter combination of the dashboard), so marked; CI runs it.
"""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from principals.models import County, Principal
from readiness.models import Assessment
from tests.reporting import attack
from tests.reporting.factories import submit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _publish_closed_rounds():
    """Publish what has closed, as the daily job does."""
    call_command("publish_rounds", stdout=io.StringIO())


def _clients(world, government):
    readers = Client()
    readers.force_login(government, backend="portal.backends.PortalModelBackend")
    organisers = []
    lonely = [
        p
        for p in world.principals
        if p.organiser_type in (Principal.OrganiserType.SAME, Principal.OrganiserType.STAT)
        or (p.county_id and p.county.code == "09")
    ]
    for principal in lonely[:4] + world.principals[:2]:
        client = Client()
        client.force_login(
            world.editors[principal.pk], backend="portal.backends.PortalModelBackend"
        )
        organisers.append((principal, client))
    return readers, Client(), organisers


def test_outside_readers_cannot_recover_single_answers(government):
    today = timezone.localdate()
    world = attack.build_world(today)
    _publish_closed_rounds()
    readers, anonymous, organisers = _clients(world, government)
    before = attack.collect(
        world, government=readers, anonymous=anonymous, organiser_clients=organisers
    )
    respondents = attack.respondents_by_round()

    # The register changes (public), and a new answer arrives in the open round.
    moved = next(
        p
        for p in world.principals
        if p.organiser_type == Principal.OrganiserType.ENSKILD and p.county.code == "12"
    )
    moved.county = County.objects.get(code="09")
    moved.save()
    retyped = next(
        p for p in world.principals if p.organiser_type == Principal.OrganiserType.REGION
    )
    retyped.organiser_type = Principal.OrganiserType.KOMMFORB
    retyped.save()
    latecomer = next(
        p
        for p in world.principals
        if not Assessment.objects.filter(principal=p, round=world.open).exists()
    )
    submit(latecomer, world.open, {"idp": "own", "mfa": "achieved", "sso": "yes"})
    after = attack.collect(
        world, government=readers, anonymous=anonymous, organiser_clients=organisers
    )

    problems = []
    findings, contradictions = attack.attack(before.facts, world.indicators)
    problems += [str(f) for f in findings]
    problems += contradictions
    reach_findings, reach_clash = attack.attack(
        [f for f in before.facts if f.measure == "reached"], world.indicators, reach=True
    )
    problems += [f"reach: {f}" for f in reach_findings] + reach_clash
    problems += attack.dominated_means(before.facts)
    problems += attack.close_pairs([f for f in before.facts if f.measure != "reached"], respondents)
    # What was published for the rounds does not move with the register or new answers.
    skip = {f"comparison {moved.pk}", f"comparison {retyped.pk}"}
    for key in sorted(set(before.texts) & set(after.texts) - skip):
        if key.startswith("programme"):
            continue  # reach follows the programme as it runs (docs/disclosure.md)
        if before.texts[key] != after.texts[key]:
            problems.append(f"{key} changed after the register did")
    hidden = [f for f in before.facts if f.value is attack.HIDDEN]
    print(
        f"{len(before.facts)} published figures collected, {len(hidden)} of them withheld, "
        f"{len({(f.round, f.group, f.measure) for f in hidden})} distinct withheld counts attacked"
    )
    assert len(hidden) > 0, "the world has small groups: some figures must be withheld"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
