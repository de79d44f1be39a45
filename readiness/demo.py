"""Demonstration self-assessments: closed rounds in 2021 and 2022 (the 2020 agreement's
period), closed rounds since last autumn and one open now (the current demo agreement's).

Every demo organiser (Principal.is_demo) gets a maturity that grows round by round, so the
answers improve between rounds the way real ones would; each answer is dated a few days
before its round closed (or before today in the open round). Idempotent: a round that exists
is left alone. Names end in "(demo)" so nobody mistakes them for real rounds.
"""

import datetime
import random
import zlib

from django.utils import timezone

from portal.demo import at, clock
from principals import selectors as principal_selectors
from principals.models import Principal

from . import tally
from .models import Assessment, AssessmentVersion, Rating, ReportingRound
from .services import framework_load_default

RATING_LADDER = [
    Rating.NOT_PLANNED,
    Rating.PLANNED,
    Rating.STARTED,
    Rating.ALMOST,
    Rating.ACHIEVED,
]


def _autumn(year: int) -> tuple[str, datetime.date, datetime.date]:
    return (
        f"Uppföljning hösten {year} (demo)",
        datetime.date(year, 9, 15),
        datetime.date(year, 11, 15),
    )


def _rounds(today: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """Oldest first; the last one is open today. Only dates: which agreement a round serves
    follows from its dates (reporting decides that). One closed round a year: publishing a
    round's figures is the slow part of loading the demo."""
    year = today.year
    rounds = [_autumn(2021), _autumn(2022), _autumn(year - 1)]
    season = "våren" if today.month < 7 else "hösten"
    rounds.append(
        (
            f"Uppföljning {season} {year} (demo)",
            today - datetime.timedelta(days=21),
            today + datetime.timedelta(days=30),
        )
    )
    return list({name: (name, o, c) for name, o, c in rounds}.values())


def _difficulty(principal, indicator) -> float:
    """How far along an organiser must be before this indicator is met; fixed per pair, so
    what is in place stays in place and more falls into place as the organiser matures."""
    seed = zlib.crc32(f"{principal.organisation_number}-{indicator.code}".encode())
    return random.Random(seed).uniform(0.05, 0.95)


def _answer(indicator, level: float, difficulty: float, rng: random.Random):
    """A plausible answer for an organiser at `level` (0 = nothing in place, 1 = all done)."""
    kind = indicator.answer_type
    good = level >= difficulty
    progress = min(1.0, level / difficulty)
    if kind == "rating":
        if rng.random() < 0.02:
            return Rating.NOT_RELEVANT
        if good:
            return Rating.ACHIEVED
        return RATING_LADDER[max(0, min(3, round(progress * 3 + rng.uniform(-0.6, 0.4))))]
    if kind == "yes_no":
        return "yes" if good else "no"
    if kind == "single_choice":
        achieved = indicator.achieved_values or [c["value"] for c in indicator.choices]
        others = [c["value"] for c in indicator.choices if c["value"] not in achieved]
        return rng.choice(achieved) if good or not others else rng.choice(others)
    if kind == "multi_choice":
        achieved = indicator.achieved_values or [c["value"] for c in indicator.choices]
        others = [c["value"] for c in indicator.choices if c["value"] not in achieved]
        if good or not others:
            return sorted(rng.sample(achieved, k=rng.randint(1, min(2, len(achieved)))))
        return [others[0]]
    if kind == "percentage":
        return 100 if good else max(0, round(progress * 90 + rng.uniform(-10, 5)))
    if kind == "integer":
        return rng.randint(20, 900)
    return ""


def load(stdout) -> list[tuple[str, str]]:
    framework, _created = framework_load_default(actor="load_demo")
    indicators = list(framework.indicators.all())
    principals = list(Principal.objects.filter(is_demo=True).order_by("pk"))
    today = timezone.localdate()
    editors: dict[int, object] = {}
    for membership in principal_selectors.editor_memberships(principals):
        editors.setdefault(membership.principal_id, membership.user)

    with_accounts = {
        principal_id for principal_id, user in editors.items() if user.username.startswith("demo-")
    }
    rounds = _rounds(today)
    for round_index, (name, opens_on, closes_on) in enumerate(rounds):
        with clock(at(opens_on - datetime.timedelta(days=14), 10, 0)):
            reporting_round, created = ReportingRound.objects.get_or_create(
                name=name,
                defaults={
                    "opens_on": opens_on,
                    "closes_on": closes_on,
                    "framework_version": framework,
                },
            )
        if not created or not principals:
            continue
        is_open = round_index == len(rounds) - 1
        assessments, versions, plans = [], [], []
        for principal in principals:
            rng = random.Random(zlib.crc32(f"{principal.organisation_number}-{name}".encode()))
            base = random.Random(zlib.crc32(principal.organisation_number.encode())).uniform(
                0.1, 0.8
            )
            level = min(1.0, base + 0.12 * round_index)
            roll = rng.random()
            if principal.pk in with_accounts:
                # The organisations behind the demo accounts have answered every round, so
                # their history, answers and comparison have something to show, and have a
                # draft in the open round to go on with.
                state = "draft" if is_open else "submitted"
            elif is_open:
                state = "submitted" if roll < 0.4 else "draft" if roll < 0.7 else None
            else:
                state = "submitted" if roll < 0.85 else "draft" if roll < 0.92 else None
            if state is None:
                continue
            answers = {}
            share = 1.0 if state == "submitted" else rng.uniform(0.3, 0.8)
            for indicator in indicators:
                if state == "draft" and rng.random() > share:
                    continue
                value = _answer(indicator, level, _difficulty(principal, indicator), rng)
                if value in ("", None, []):
                    continue
                answers[indicator.code] = {"value": value, "comment": ""}
            when = timezone.make_aware(
                datetime.datetime.combine(
                    min(closes_on, today) - datetime.timedelta(days=rng.randint(1, 14)),
                    datetime.time(9 + rng.randint(0, 7), rng.randint(0, 59)),
                )
            )
            assessments.append(
                Assessment(principal=principal, round=reporting_round, state=state, updated_at=when)
            )
            plans.append((state, answers, editors.get(principal.pk), when))
        assessments = Assessment.objects.bulk_create(assessments)
        for assessment, (state, answers, user, when) in zip(assessments, plans, strict=True):
            versions.append(
                AssessmentVersion(
                    assessment=assessment,
                    number=1,
                    kind=state,
                    framework_version=framework,
                    answers=answers,
                    created_by=user,
                    created_by_label=(user.get_full_name() or user.username) if user else "Demo",
                    created_at=when,
                )
            )
        versions = AssessmentVersion.objects.bulk_create(versions)
        for assessment, version in zip(assessments, versions, strict=True):
            if version.kind == "submitted":
                assessment.current = version
            else:
                assessment.draft = version
            assessment.version = 2
        for assessment, (_state, _answers, _user, when) in zip(assessments, plans, strict=True):
            assessment.updated_at = when
        Assessment.objects.bulk_update(assessments, ["current", "draft", "version", "updated_at"])
        tally.sync(Assessment.objects.filter(round=reporting_round))
        stdout.write(f"  {name}: {len(assessments)} självskattningar av {len(principals)}")
    return []
