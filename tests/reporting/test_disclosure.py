"""The disclosure rules on small hand-made tables (no database)."""

import pytest

from reporting import disclosure
from reporting.disclosure import (
    NATIONAL,
    ORGANISERS,
    Breakdown,
    Group,
    Magnitude,
    Reason,
    Release,
    equal,
)


def keys(groups):
    return [g.key for g in groups]


def test_small_groups_are_merged_and_a_breakdown_of_one_group_is_left_out():
    atoms = {
        ("KOMMUN", "01"): (20, 15),
        ("KOMMUN", "12"): (20, 14),
        ("ENSKILD", "01"): (12, 8),
        ("ENSKILD", "12"): (10, 7),
        ("SAME", "25"): (1, 1),
        ("STAT", ""): (1, 1),
        ("REGION", "25"): (6, 6),
    }
    groups = disclosure.merge_groups(atoms)
    assert keys(groups)[0] == "national"
    types = [g for g in groups if g.breakdown == Breakdown.TYPE]
    assert [g.code for g in types] == ["ENSKILD", "KOMMUN", "other"]
    assert types[-1].members == ("REGION", "SAME", "STAT")  # grown by the smallest, REGION
    counties = [g for g in groups if g.breakdown == Breakdown.COUNTY]
    # No county (1 organiser) is too small: merged with the smallest other county, "25" (7).
    assert [(g.code, g.members) for g in counties] == [
        ("01", ("01",)),
        ("12", ("12",)),
        ("other", ("", "25")),
    ]


def test_groups_that_nearly_coincide_across_breakdowns_are_not_both_published():
    atoms = {
        ("KOMMUN", "01"): (30, 20),
        ("KOMMUN", "12"): (30, 20),
        ("HMANUTL", ""): (6, 6),
        ("STAT", ""): (1, 1),
        ("ENSKILD", "01"): (10, 8),
    }
    groups = disclosure.merge_groups(atoms)
    published = {(g.breakdown, g.code) for g in groups}
    # Organisers abroad (6) and "no county" (7) differ by one organiser: one of them goes.
    assert not {("organiser_type", "HMANUTL"), ("county", "")} <= published


def test_a_group_with_few_non_respondents_is_published_with_its_response():
    """That 2 of 21 regions did not respond is no answer: the regions stay a group."""
    atoms = {("KOMMUN", "01"): (40, 20), ("REGION", "01"): (21, 19), ("ENSKILD", "12"): (40, 30)}
    types = [g for g in disclosure.merge_groups(atoms) if g.breakdown == Breakdown.TYPE]
    assert "REGION" in [g.code for g in types]


def _release(rows, groups, kinds, base, rules=()):
    organisers = {atom: n for atom, (n, _counts) in rows.items()}
    counts = {atom: c for atom, (_n, c) in rows.items()}
    return Release(
        organisers=organisers,
        groups=groups,
        kinds=kinds,
        base=base,
        rules=list(rules),
        counts=counts,
    )


COUNTY = Breakdown.COUNTY


def county(code):
    return Group(COUNTY, code, (code,))


def test_primary_rules_small_counts_and_small_complements():
    rows = {
        ("K", "01"): (20, {"s": 18, "yes": 18, "no": 0}),
        ("K", "02"): (20, {"s": 10, "yes": 3, "no": 7}),
    }
    release = _release(
        rows,
        [NATIONAL, county("01"), county("02")],
        ["s", "yes", "no"],
        {"s": ORGANISERS, "yes": "s", "no": "s"},
        [equal({"yes": 1, "no": 1, "s": -1})],
    )
    hidden = release.primary()
    assert ("county:01", "s") not in hidden  # 2 of 20 did not submit: no answer, shown
    assert ("county:01", "yes") not in hidden and ("county:01", "no") not in hidden  # 18, 0
    assert hidden[("county:02", "yes")] == Reason.SMALL
    assert hidden[("county:02", "no")] == Reason.PROTECT  # 7 of 10: 3 answered otherwise
    assert ("county:02", "s") not in hidden and ("national", "no") not in hidden


def test_complementary_suppression_leaves_every_withheld_count_a_wide_interval():
    """Two counties with yes/no: the small one's "yes" (3) is withheld; without more, the
    national figure minus the other county's would give it."""
    rows = {
        ("K", "01"): (40, {"s": 30, "yes": 20, "no": 10}),
        ("K", "02"): (40, {"s": 30, "yes": 3, "no": 27}),
        ("K", "03"): (40, {"s": 30, "yes": 12, "no": 18}),
    }
    release = _release(
        rows,
        [NATIONAL, county("01"), county("02"), county("03")],
        ["s", "yes", "no"],
        {"s": ORGANISERS, "yes": "s", "no": "s"},
        [equal({"yes": 1, "no": 1, "s": -1})],
    )
    # 27 of 30 answered "no": the 3 others would follow from it.
    assert release.primary() == {
        ("county:02", "yes"): Reason.SMALL,
        ("county:02", "no"): Reason.PROTECT,
    }
    hidden = release.protect()
    # Its column needs a partner (the country's minus the others would give it), and that
    # partner's row one more: a rectangle in one other county, nothing national.
    partners = {key for key, _kind in hidden} - {"county:02"}
    assert len(partners) == 1 and "national" not in partners
    (partner,) = partners
    assert {(partner, "yes"), (partner, "no")} <= set(hidden)
    assert len(hidden) == 4
    auditor = disclosure._Auditor(release, release.kinds)
    for cell in hidden:
        auditor.hide(cell)
    for cell in hidden:
        low, high, *_duals = auditor.interval(cell)
        assert high - low >= disclosure.PROTECTION_WIDTH, cell


def test_audit_off_would_leave_the_small_count_pinned():
    rows = {
        ("K", "01"): (40, {"s": 30, "yes": 20, "no": 10}),
        ("K", "02"): (40, {"s": 30, "yes": 3, "no": 27}),
    }
    release = _release(
        rows,
        [NATIONAL, county("01"), county("02")],
        ["s", "yes", "no"],
        {"s": ORGANISERS, "yes": "s", "no": "s"},
        [equal({"yes": 1, "no": 1, "s": -1})],
    )
    hidden = release.protect(audit=False)
    auditor = disclosure._Auditor(release, release.kinds)
    for cell in hidden:
        auditor.hide(cell)
    low, high, *_duals = auditor.interval(("county:02", "yes"))
    assert round(low) == round(high) == 3  # national 23 minus county 01's 20


@pytest.mark.parametrize(
    ("values", "published"),
    [
        ([100] * 12, True),
        ([100] * 9, False),  # too few answers
        ([10] * 10 + [1_000_000], False),  # dominated by one answer
        ([10] * 10 + [600, 600], False),  # by two
        ([0] * 12, True),  # all zero: a mean of 0 rests on no one's size
    ],
)
def test_mean_rules(values, published):
    atoms = {("K", "01"): Magnitude.of(values)}
    result = disclosure.protect_means([NATIONAL], atoms, counts_hidden=set())
    assert (result["national"] != Reason.MEAN) is published


def test_a_single_withheld_mean_takes_another_with_it():
    atoms = {
        ("K", "01"): Magnitude.of([100] * 30),
        ("K", "02"): Magnitude.of([100] * 20),
        ("K", "03"): Magnitude.of([100] * 6),  # too few alone
    }
    groups = [NATIONAL, county("01"), county("02"), county("03")]
    result = disclosure.protect_means(groups, atoms, counts_hidden=set())
    assert result["county:03"] == Reason.MEAN
    assert result["county:02"] == Reason.MEAN  # or 03 = national − 01 − 02
    assert result["national"] == 100 and result["county:01"] == 100


def test_means_are_rounded_to_two_significant_digits():
    assert disclosure.round_mean(1234.5) == 1200
    assert disclosure.round_mean(47.26) == 47
    assert disclosure.round_mean(3.14159) == 3.1
    assert disclosure.round_mean(0) == 0


def test_labels_and_explanations_are_swedish_and_distinct():
    from django.utils import translation

    with translation.override("sv"):
        labels = {disclosure.label(r) for r in Reason}
        assert labels == {"färre än 5", "skyddad", "visas inte"}
        for reason in Reason:
            assert disclosure.explanation(reason).startswith("”")


def test_merged_groups_are_named_by_their_members():
    from django.utils import translation

    with translation.override("sv"):
        name = disclosure.group_label("organiser_type", "other", ("SAME", "STAT"), {})
        assert name == "Övriga huvudmannatyper (Sameskolstyrelsen, Staten)"
        name = disclosure.group_label("county", "other", ("09", ""), {"09": "Gotlands län"})
        assert name == "Övriga län (Gotlands län, Län saknas)"
