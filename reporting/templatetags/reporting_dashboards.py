import functools
import re

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.escaping import conditional_escape as esc

from .. import disclosure

register = template.Library()

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@functools.cache
def _export_pattern(name: str) -> str:
    return reverse(name, args=["xtablex", "xfmtx"])


@register.simple_tag
def export_url(name: str, table: str, fmt: str) -> str:
    """`{% url name table fmt %}` for a dashboard's downloads, reversed once per name: a page
    links about seventy tables, and reversing each link took a fifth of its rendering."""
    if not (_SLUG.fullmatch(table) and _SLUG.fullmatch(fmt)):
        return reverse(name, args=[table, fmt])  # refuses what the URL pattern refuses
    return _export_pattern(name).replace("xtablex", table).replace("xfmtx", fmt)


@register.filter
def withheld_explanation(reason: str) -> str:
    """Why cells marked with this reason are withheld (docs/disclosure.md has the rules)."""
    return disclosure.explanation(reason)


@register.simple_tag
def dash_table(table) -> SafeString:
    """reporting/partials/dash_table.html, written out in Python: a dashboard shows about
    seventy tables, and their cells through the template took two thirds of its rendering.
    tests/reporting/test_dash_table.py checks it gives the template's markup exactly."""
    caption = esc(table.caption)
    scope = f' data-scope="{esc(table.scope)}"' if table.scope else ""
    out = [
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{caption}"{scope}>\n'
        f'<table class="dash-table">\n  <caption>{caption}</caption>\n  <thead><tr>'
    ]
    for column in table.columns:
        number = ' class="num"' if column.kind not in ("text", "year") else ""
        out.append(f'<th scope="col"{number}>{esc(column.label)}</th>')
    out.append("</tr></thead>\n  <tbody>\n  ")
    rows = table.display_rows()
    for row in rows:
        out.append("\n    <tr>")
        for n, cell in enumerate(row):
            if n == 0 and table.row_headers:
                out.append(f'<th scope="row">{esc(cell["text"])}</th>')
            else:
                number = ' class="num"' if cell["num"] else ""
                out.append(f"<td{number}>{esc(cell['text'])}</td>")
        out.append("</tr>\n  ")
    if not rows:
        empty = esc(table.empty) if table.empty else _("No figures to show.")
        out.append(f'\n    <tr><td colspan="{len(table.columns)}">{empty}</td></tr>\n  ')
    out.append("\n  </tbody>\n</table>\n</div>\n")
    reasons = table.reasons()
    if reasons:
        items = "".join(f"<li>{esc(withheld_explanation(r))}</li>" for r in reasons)
        out.append(f'<ul class="dash-note">{items}</ul>')
    out.append("\n\n")  # the template's and the note's last line ends
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def _shown(value) -> str:
    """A value as `{{ value }}` shows it: escaped, None as "None"."""
    return esc(value)


@register.simple_tag(takes_context=True)
def dash_exports(context, key, title) -> SafeString:
    """reporting/partials/dash_exports.html in Python (each block of a dashboard has one)."""
    query = context.get("query")
    suffix = f"?{_shown(query)}" if query else ""
    name = context.get("export_url")
    title = _shown(title)
    csv, xlsx = (esc(export_url(name, str(key), fmt)) for fmt in ("csv", "xlsx"))
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<p class="dash-exports">{esc(_("Download the table:"))}\n'
        f'  <a href="{csv}{suffix}" download>CSV<span class="visually-hidden"> – '
        f"{title}</span></a>\n"
        f'  <a href="{xlsx}{suffix}" download>Excel (XLSX)<span class="visually-hidden"> – '
        f"{title}</span></a>\n</p>\n"
    )


@register.simple_tag(takes_context=True)
def dash_block(context, block, level) -> SafeString:
    """reporting/partials/dash_block.html written out in Python: a dashboard shows some forty
    blocks, and including the template for each took a third of the page's rendering.
    tests/reporting/test_dash_table.py checks it gives the template's markup exactly."""
    key, title = _shown(block.get("key", "")), _shown(block.get("title", ""))
    code = f'<span class="dash-code">{_shown(block["code"])}</span> ' if block.get("code") else ""
    dnp = f' <span class="tag tag--grey">{esc(_("DNP"))}</span>' if block.get("is_dnp") else ""
    out = [
        f'<section class="dash-block" data-key="{key}">\n'
        f'  <h{level} id="h-{key}">{code}{title}{dnp}</h{level}>\n  '
    ]
    if block.get("summary"):
        out.append(f'<p class="dash-summary">{_shown(block["summary"])}</p>')
    out.append("\n  ")
    table = dash_table(block.get("table"))
    if block.get("chart"):
        caption = (
            f"<figcaption>{_shown(block['hidden_bars'])}</figcaption>"
            if block.get("hidden_bars")
            else ""
        )
        out.append(
            f'\n  <figure class="dash-chart">{_shown(block["chart"])}{caption}</figure>\n'
            '  <details class="dash-details">\n'
            f"    <summary>{esc(_('Show the numbers as a table'))}"
            f'<span class="visually-hidden"> – {title}</span></summary>\n'
            f"    {table}\n  </details>\n  "
        )
    else:
        out.append(f"\n  {table}\n  ")
    out.append(
        f"\n  {dash_exports(context, block.get('key', ''), block.get('title', ''))}\n</section>\n"
    )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)
