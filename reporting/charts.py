"""Server-rendered SVG charts that work under the strict CSP and in the PDF.

Only presentation attributes, no style attributes or elements. Colours are the Okabe–Ito
palette (distinguishable with the common colour-vision deficiencies), and every series also
has its own fill pattern, line dash and marker, and every bar or point its number in text.
"""

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

# Okabe–Ito, ordered so the first colours contrast at least 3:1 with white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4"]
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
WIDTH = 640


def _label(text: str, limit: int = 34) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _patterns(chart_id: str, count: int) -> str:
    """One fill per series: solid, then hatched, dotted, crossed … over the series colour."""
    parts = []
    for k in range(count):
        colour = PALETTE[k % len(PALETTE)]
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
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="13">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _legend(chart_id: str, names: Sequence[str], y: float, *, lines: bool = False) -> str:
    parts = []
    x = 10.0
    for k, name in enumerate(names):
        colour = PALETTE[k % len(PALETTE)]
        if lines:
            dash = (
                f' stroke-dasharray="{DASHES[k % len(DASHES)]}"' if DASHES[k % len(DASHES)] else ""
            )
            parts.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 26:.1f}" y2="{y:.1f}" stroke="{colour}"'
                f' stroke-width="2.5"{dash}/>' + _marker(k, x + 13, y, colour)
            )
        else:
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 7:.1f}" width="26" height="14"'
                f' fill="url(#{chart_id}-p{k})" stroke="#1b1b1b" stroke-width="0.5"/>'
            )
        text = _label(name, 28)
        parts.append(f'<text x="{x + 32:.1f}" y="{y + 4:.1f}">{escape(text)}</text>')
        x += 40 + 7.2 * len(text)
        if x > WIDTH - 120 and k < len(names) - 1:
            x = 10.0
            y += 22
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
) -> SafeString:
    """Horizontal bars, one group per category and one bar per series, each with its number.

    A value of None draws no bar; its text (e.g. "fewer than 5") still appears.
    """
    chart_id = slugify(chart_id)
    label_width, bar_left, bar_right = 220, 228, WIDTH - 110
    n_series = max(1, len(series))
    bar_h, gap = 16, 10
    values = [v for _name, vals in series for v in vals if v is not None]
    top = max_value if max_value is not None else (max(values) if values else 0) or 1
    legend, legend_bottom = ("", 0.0)
    y = 10.0
    if len(series) > 1:
        legend, legend_bottom = _legend(chart_id, [name for name, _v in series], 16)
        y = legend_bottom + 20
    parts = [_patterns(chart_id, n_series), legend]
    parts.append(
        f'<line x1="{bar_left}" y1="{y - 4:.1f}" x2="{bar_left}"'
        f' y2="{y + len(categories) * (n_series * bar_h + gap):.1f}" stroke="#1b1b1b"/>'
    )
    for c, category in enumerate(categories):
        group_top = y
        for s, (_name, vals) in enumerate(series):
            value = vals[c]
            bar_y = y + s * bar_h
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
        mid = group_top + n_series * bar_h / 2 + 4
        parts.append(
            f'<text x="{label_width}" y="{mid:.1f}" text-anchor="end">'
            f"{escape(_label(category))}</text>"
        )
        y += n_series * bar_h + gap
    return _svg(chart_id, title, desc, y + 6, "".join(parts))


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_max: float | None = None,
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
) -> SafeString:
    """Lines over time; each series has its own colour, dash and marker, with a legend."""
    chart_id = slugify(chart_id)
    left, right, top_margin = 90, WIDTH - 20, 16
    plot_h = 200
    values = [v for _n, vals in series for v in vals if v is not None]
    top = y_max if y_max is not None else _nice_top(max(values) if values else 0)
    n = max(1, len(x_labels))
    step = (right - left) / n

    def px(i: int) -> float:
        return left + step * (i + 0.5)

    def py(v: float) -> float:
        return top_margin + plot_h - plot_h * float(v) / float(top)

    parts = []
    for k in range(5):
        tick = top * k / 4
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{right}" y2="{py(tick):.1f}"'
            f' stroke="#b1b4b6" stroke-width="{1 if k else 1.5}"/>'
            f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(y_format(tick))}</text>"
        )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{px(i):.1f}" y="{top_margin + plot_h + 18}" text-anchor="middle">'
            f"{escape(_label(label, max(6, int(step / 7.5))))}</text>"
        )
    for k, (_name, vals) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
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
    legend, legend_bottom = _legend(
        chart_id, [name for name, _v in series], top_margin + plot_h + 44, lines=True
    )
    parts.append(legend)
    return _svg(chart_id, title, desc, legend_bottom + 16, "".join(parts))


def no_data(text: str | None = None) -> str:
    return text or _("No figures to show.")
