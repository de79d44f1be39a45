"""Server-rendered SVG charts that work under the strict CSP and in the PDF.

Only presentation attributes, no style attributes or elements. Colours are the Okabe–Ito
palette (distinguishable with the common colour-vision deficiencies), and every series also
has its own fill pattern, line dash and marker, and every bar or point its number in text.
"""

import functools
import math
from collections.abc import Callable, Sequence

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal.escaping import escape
from reporting.chart_font import ADVANCES, DEFAULT_ADVANCE, UNITS_PER_EM

# Okabe–Ito, ordered so the first colours contrast at least 3:1 with white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"]
# A rating's series is drawn in the rating's own colour (each at least 3:1 against white).
RATING_COLOURS = {"green": "#00703C", "amber": "#B45F00", "red": "#D4351C"}
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4"]
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
WIDTH = 640


FONT_SIZE = 13
LINE_HEIGHT = 15


def text_width(text: str) -> float:
    """How wide `text` is at the charts' font size, in user units, by DejaVu Sans' metrics."""
    return _text_width(str(text))


@functools.lru_cache(maxsize=4096)
def _text_width(text: str) -> float:
    units = sum(ADVANCES.get(char, DEFAULT_ADVANCE) for char in text)
    return units * FONT_SIZE / UNITS_PER_EM


def wrap(text: str, width: float) -> tuple[str, ...]:
    """The whole label in lines at most `width` user units wide, broken between words (a word
    longer than a line is broken with a hyphen). Never cut: two long labels that begin alike
    must stay tellable apart. Remembered: a dashboard wraps the same labels on every chart."""
    return _wrap(str(text), width)


@functools.lru_cache(maxsize=4096)
def _wrap(text: str, width: float) -> tuple[str, ...]:
    width = max(width, text_width("MMMM"))
    lines: list[str] = []
    line = ""
    for word in str(text).split():
        while text_width(word) > width:
            if line:
                lines.append(line)
                line = ""
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-") > width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        if not line:
            line = word
        elif text_width(f"{line} {word}") <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return tuple(lines)


def _text(x: float, y: float, lines: Sequence[str], anchor: str = "start") -> str:
    """A multi-line label: one <text> with a <tspan> per line, the first line at y."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{anchor_attr}>{spans}</text>'


def nice_scale(largest: float, *, integer: bool = False, intervals: int = 5) -> list[float]:
    """Evenly spaced axis ticks from 0 to at least `largest`: a step of 1, 2, 2.5 or 5 times a
    power of ten, whole numbers only when the values are counts, at most `intervals` steps."""
    if largest <= 0:
        return [0.0, 1.0]
    raw = largest / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if integer and (step < 1 or step != int(step)):
            continue
        count = math.ceil(largest / step - 1e-9)
        if count <= intervals:
            return [step * k for k in range(count + 1)]
    step = 10 * magnitude
    return [step * k for k in range(math.ceil(largest / step) + 1)]


def colours_for(count: int, colours: Sequence[str] | None = None) -> list[str]:
    """Each series' colour: its own when it has one (a rating's red, amber, green), else the
    palette's in turn."""
    if colours:
        return list(colours)
    return [PALETTE[k % len(PALETTE)] for k in range(count)]


def _patterns(chart_id: str, colours: Sequence[str]) -> str:
    """One fill per series: solid, then hatched, dotted, crossed … over the series colour."""
    parts = []
    for k, colour in enumerate(colours):
        mark = [
            "",
            '<path d="M0 8 L8 0" stroke="#ffffff" stroke-width="2"/>',
            '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
            '<path d="M0 4 H8 M4 0 V8" stroke="#ffffff" stroke-width="1.5"/>',
            '<path d="M0 0 L8 8" stroke="#ffffff" stroke-width="2"/>',
            '<path d="M0 6 H8" stroke="#ffffff" stroke-width="2"/>',
            '<path d="M2 0 V8" stroke="#ffffff" stroke-width="2"/>',
        ][k % 7]
        parts.append(
            f'<pattern id="{chart_id}-p{k}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{mark}</pattern>'
        )
    return "<defs>" + "".join(parts) + "</defs>"


def _marker(kind: int, x: float, y: float, colour: str) -> str:
    shape = kind % 5
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    if shape == 1:
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == 2:
        return (
            f'<path d="M{x:.1f} {y - 5.5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z"'
            f' fill="{colour}"/>'
        )
    if shape == 3:
        return (
            f'<path d="M{x:.1f} {y - 5.5:.1f} L{x + 5.5:.1f} {y:.1f} L{x:.1f} {y + 5.5:.1f}'
            f' L{x - 5.5:.1f} {y:.1f} Z" fill="{colour}"/>'
        )
    return (
        f'<path d="M{x - 4.5:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 4.5:.1f} M{x - 4.5:.1f}'
        f' {y + 4.5:.1f} L{x + 4.5:.1f} {y - 4.5:.1f}" stroke="{colour}" stroke-width="2.5"/>'
    )


def _svg(chart_id: str, title: str, desc: str, height: float, body: str) -> SafeString:
    # Every text in `body` and here went through escape(); ids are slugs.
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}"'
        f' width="{WIDTH}" height="{height:.0f}" role="img" class="chart"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _legend(
    chart_id: str, names: Sequence[str], colours: Sequence[str], y: float, *, lines: bool = False
) -> tuple[str, float]:
    """Every series named in full; names wrap, and entries flow onto new rows."""
    parts = []
    x = 10.0
    for k, name in enumerate(names):
        text_lines = wrap(name, WIDTH - 60)
        width = 32 + max(text_width(line) for line in text_lines) + 16
        if x > 10.0 and x + width > WIDTH - 10:
            x = 10.0
            y += 22
        colour = colours[k]
        if lines:
            dash = DASHES[k % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 26:.1f}" y2="{y:.1f}" stroke="{colour}"'
                f' stroke-width="2.5"{dash_attr}/>' + _marker(k, x + 13, y, colour)
            )
        else:
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 7:.1f}" width="26" height="14"'
                f' fill="url(#{chart_id}-p{k})" stroke="#1b1b1b" stroke-width="0.5"/>'
            )
        parts.append(_text(x + 32, y + 4, text_lines))
        extra = LINE_HEIGHT * (len(text_lines) - 1)
        x += width
        if extra:
            x = 10.0
            y += 22 + extra
    return "".join(parts), y


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    texts: Sequence[Sequence[str]],
    max_value: float | None = None,
    colours: Sequence[str] | None = None,
) -> SafeString:
    """Horizontal bars, one group per category and one bar per series, each with its number.

    A value of None draws no bar; its text (e.g. "fewer than 5") still appears. Category
    labels wrap onto as many lines as they need.
    """
    chart_id = slugify(chart_id)
    label_width, bar_left, bar_right = 220, 228, WIDTH - 110
    n_series = max(1, len(series))
    series_colours = colours_for(n_series, colours)
    bar_h, gap = 16, 10
    values = [v for _name, vals in series for v in vals if v is not None]
    top = max_value if max_value is not None else (max(values) if values else 0) or 1
    legend, legend_bottom = ("", 0.0)
    y = 10.0
    if len(series) > 1:
        legend, legend_bottom = _legend(chart_id, [name for name, _v in series], series_colours, 16)
        y = legend_bottom + 20
    parts = [_patterns(chart_id, series_colours), legend]
    axis_top = y - 4
    for c, category in enumerate(categories):
        label_lines = wrap(category, label_width - 8)
        label_h = LINE_HEIGHT * len(label_lines)
        group_h = max(n_series * bar_h, label_h)
        bars_top = y + (group_h - n_series * bar_h) / 2
        for s, (_name, vals) in enumerate(series):
            value = vals[c]
            bar_y = bars_top + s * bar_h
            if value is not None and value > 0:
                w = max(1.0, (bar_right - bar_left) * float(value) / float(top))
                parts.append(
                    f'<rect x="{bar_left}" y="{bar_y + 1:.1f}" width="{w:.1f}" height="{bar_h - 2}"'
                    f' fill="url(#{chart_id}-p{s})"/>'
                )
            else:
                w = 0.0
            parts.append(
                f'<text x="{bar_left + w + 5:.1f}" y="{bar_y + bar_h - 4:.1f}">'
                f"{escape(texts[s][c])}</text>"
            )
        first_line = y + (group_h - label_h) / 2 + LINE_HEIGHT - 3
        parts.append(_text(label_width, first_line, label_lines, anchor="end"))
        y += group_h + gap
    parts.append(
        f'<line x1="{bar_left}" y1="{axis_top:.1f}" x2="{bar_left}" y2="{y - gap + 4:.1f}"'
        f' stroke="#1b1b1b"/>'
    )
    return _svg(chart_id, title, desc, y + 6, "".join(parts))


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_max: float | None = None,
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
    colours: Sequence[str] | None = None,
) -> SafeString:
    """Lines over time; each series has its own colour, dash and marker, with a legend.

    The y axis has evenly spaced ticks (`nice_scale`), whole numbers when every value is;
    labels under the points wrap to the room each point has.
    """
    chart_id = slugify(chart_id)
    left, right, top_margin = 90, WIDTH - 20, 16
    plot_h = 200
    series_colours = colours_for(len(series), colours)
    values = [v for _n, vals in series for v in vals if v is not None]
    integer = all(float(v).is_integer() for v in values)
    ticks = nice_scale(y_max or (max(values) if values else 0), integer=integer)
    top = ticks[-1]
    n = max(1, len(x_labels))
    step = (right - left) / n

    def px(i: int) -> float:
        return left + step * (i + 0.5)

    def py(v: float) -> float:
        return top_margin + plot_h - plot_h * float(v) / float(top)

    parts = []
    for k, tick in enumerate(ticks):
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{right}" y2="{py(tick):.1f}"'
            f' stroke="#b1b4b6" stroke-width="{1 if k else 1.5}"/>'
            f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(y_format(tick))}</text>"
        )
    label_rows = 1
    for i, label in enumerate(x_labels):
        lines = wrap(label, step - 8)
        label_rows = max(label_rows, len(lines))
        parts.append(_text(px(i), top_margin + plot_h + 18, lines, anchor="middle"))
    for k, (_name, vals) in enumerate(series):
        colour = series_colours[k]
        dash = DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        for i, value in enumerate(vals):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{px(i):.1f} {py(value):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<path d="M{" L".join(points)}" fill="none" stroke="{colour}"'
                    f' stroke-width="2.5"{dash_attr}/>'
                )
        for i, value in enumerate(vals):
            if value is not None:
                parts.append(_marker(k, px(i), py(value), colour))
    legend_top = top_margin + plot_h + 44 + LINE_HEIGHT * (label_rows - 1)
    legend, legend_bottom = _legend(
        chart_id, [name for name, _v in series], series_colours, legend_top, lines=True
    )
    parts.append(legend)
    return _svg(chart_id, title, desc, legend_bottom + 16, "".join(parts))


def no_data(text: str | None = None) -> str:
    return text or _("No figures to show.")
