"""The chart code: evenly spaced ticks, each series in its own colour, whole labels."""

import itertools
import re

import pytest

from reporting import charts


@pytest.mark.parametrize(
    ("largest", "integer", "ticks"),
    [
        (5, True, [0, 1, 2, 3, 4, 5]),
        (3, True, [0, 1, 2, 3]),
        (1, True, [0, 1]),
        (7, True, [0, 2, 4, 6, 8]),
        (100, True, [0, 20, 40, 60, 80, 100]),
        (5925923, True, [0, 2000000, 4000000, 6000000]),
        (0.8, False, [0, 0.2, 0.4, 0.6000000000000001, 0.8]),
        (0, True, [0, 1]),
    ],
)
def test_ticks_are_evenly_spaced_nice_numbers(largest, integer, ticks):
    got = charts.nice_scale(largest, integer=integer)
    assert got == pytest.approx(ticks)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(got)}
    assert len(steps) == 1
    assert got[-1] >= largest
    if integer:
        assert all(float(t).is_integer() for t in got)


def _tick_labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end">([^<]+)</text>', svg)


def test_a_count_axis_reads_0_1_2_3_4_5_not_rounded_quarters():
    svg = charts.line_chart(
        chart_id="t", title="T", desc="D", x_labels=["K1", "K2"], series=[("A", [5, 2])]
    )
    assert _tick_labels(svg) == ["0", "1", "2", "3", "4", "5"]
    # The point at 5 is on the top gridline, the one at 2 on the third.
    grid = [float(y) for y in re.findall(r'<line x1="90" y1="([0-9.]+)"', svg)]
    points = [float(y) for y in re.findall(r'<circle cx="[0-9.]+" cy="([0-9.]+)"', svg)]
    assert points[:2] == [grid[5], grid[2]]  # the third circle is the legend's


def test_each_series_has_its_own_colour_when_given():
    svg = charts.line_chart(
        chart_id="betyg",
        title="T",
        desc="D",
        x_labels=["K1"],
        series=[("Grön", [1]), ("Gul", [2]), ("Röd", [3])],
        colours=[charts.RATING_COLOURS[r] for r in ("green", "amber", "red")],
    )
    legend = re.findall(
        r'<line x1="[0-9.]+" y1="[0-9.]+" x2="[0-9.]+" y2="[0-9.]+" stroke="(#[0-9A-F]+)"', svg
    )
    assert legend[-3:] == ["#00703C", "#B45F00", "#D4351C"]
    bars = charts.bar_chart(
        chart_id="b",
        title="T",
        desc="D",
        categories=["x"],
        series=[("Grön", [1]), ("Röd", [2])],
        texts=[["1"], ["2"]],
        colours=["#00703C", "#D4351C"],
    )
    assert 'id="b-p0"' in bars and '<rect width="8" height="8" fill="#00703C"/>' in bars
    assert '<rect width="8" height="8" fill="#D4351C"/>' in bars


def _texts(svg: str) -> list[str]:
    """The visible text of each <text>, its lines joined by spaces."""
    found = []
    for body in re.findall(r"<text[^>]*>(.*?)</text>", svg):
        found.append(" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", body)) or body)
    return found


def test_long_labels_are_wrapped_whole_so_two_stay_apart():
    first = "Huvudmän som har infört e-legitimation för all personal i förskolan"
    second = "Huvudmän som har infört e-legitimation för all personal i grundskolan"
    svg = charts.bar_chart(
        chart_id="l",
        title="T",
        desc="D",
        categories=[first, second],
        series=[("Ett mycket långt serienamn som inte får kapas i förklaringen", [1, 2])],
        texts=[["1", "2"]],
    )
    texts = _texts(svg)
    assert first in texts and second in texts
    assert "…" not in svg
    line = charts.line_chart(
        chart_id="r",
        title="T",
        desc="D",
        x_labels=["Vårens uppföljning 2026 för huvudmän", "Höstens uppföljning 2026 för huvudmän"],
        series=[("Andel", [10, 20]), ("En andra serie med ett långt namn i förklaringen", [1, 2])],
    )
    texts = _texts(line)
    assert "Vårens uppföljning 2026 för huvudmän" in texts
    assert "Höstens uppföljning 2026 för huvudmän" in texts
    assert "En andra serie med ett långt namn i förklaringen" in texts


def test_wrap_breaks_between_words_and_keeps_every_character():
    lines = charts.wrap("Västra Götalands län och Stockholms län", 90)
    assert len(lines) > 1
    assert all(charts.text_width(line) <= 90 for line in lines)
    assert " ".join(lines) == "Västra Götalands län och Stockholms län"
    long_word = charts.wrap("Skolenhetsregistret", 60)
    assert all(charts.text_width(part) <= 60 for part in long_word)
    assert "".join(part.rstrip("-") for part in long_word) == "Skolenhetsregistret"


def test_text_is_measured_by_the_font_so_wide_letters_take_more_room():
    assert charts.text_width("mmmm") > charts.text_width("iiii") * 2
    assert charts.text_width("Kommunal huvudman") > 17 * 8  # wider than any fixed 8-unit guess
    assert charts.text_width("Göteborg") == charts.text_width("Goteborg")  # ö as wide as o


def test_legend_entries_never_overlap():
    names = ["Första omgången", "Senaste omgången", "Kommunal huvudman", "Enskild huvudman"]
    svg = charts.bar_chart(
        chart_id="legend",
        title="T",
        desc="D",
        categories=["A"],
        series=[(name, [1]) for name in names],
        texts=[["1"]] * len(names),
    )
    entries = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*><tspan[^>]*>([^<]*)</tspan>', svg)
    legend = [(float(x), float(y), t) for x, y, t in entries if t in names]
    assert [t for _x, _y, t in legend] == names
    for (x1, y1, t1), (x2, y2, _t2) in itertools.pairwise(legend):
        if y1 == y2:  # the same row: the next swatch starts after this name ends
            assert x1 + charts.text_width(t1) < x2 - 26
