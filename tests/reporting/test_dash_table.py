"""The dashboards' tables written in Python give exactly the markup of their template."""

from django.template.loader import render_to_string

from portal.spreadsheets import INT, PERCENT, TEXT, YEAR, Column
from reporting import aggregates
from reporting.dashboards.blocks import all_tables, readiness_blocks
from reporting.disclosure import Figure
from reporting.exports import Table
from reporting.templatetags.reporting_dashboards import dash_table

from .factories import readiness_dataset


def _template(table) -> str:
    return render_to_string("reporting/partials/dash_table.html", {"table": table})


def _odd_tables() -> list[Table]:
    columns = [Column("Län & <typ>", TEXT), Column("År", YEAR), Column("Antal", INT)]
    return [
        Table(key="tom", caption="Inga rader", columns=columns),
        Table(key="tom2", caption="Tom", columns=columns, empty="Inget att visa <ännu>"),
        Table(
            key="dold",
            caption='Andel "DNP" & <b>',
            columns=[*columns, Column("Andel", PERCENT)],
            rows=[
                ["Stockholms län", 2024, Figure(3, reason="small"), Figure(12.5)],
                ["<script>", 2025, Figure(40), Figure(50.0, reason="protect", revealed=True)],
                ["Gotland", "", None, Figure(None)],
            ],
            scope="type:KOMMUN",
        ),
        Table(
            key="utan",
            caption="Utan radrubrik",
            columns=columns,
            rows=[["a", 1, 2]],
            row_headers=False,
        ),
    ]


def test_every_table_of_a_dashboard_renders_as_the_template_does(db):
    data = readiness_dataset()
    rounds = aggregates.rounds_to_show()
    overview = aggregates.readiness_overview(reporting_round=data.main)
    trend = aggregates.readiness_trend(rounds=rounds, indicator_code="idp")
    tables = list(all_tables(readiness_blocks(overview, trend, distributions=True)).values())
    assert len(tables) >= 10
    for table in [*tables, *_odd_tables()]:
        assert str(dash_table(table)) == _template(table), table.key


def _readiness_dashboard_blocks() -> list[dict]:
    data = readiness_dataset()
    rounds = aggregates.rounds_to_show()
    overview = aggregates.readiness_overview(reporting_round=data.main)
    trend = aggregates.readiness_trend(rounds=rounds, indicator_code="idp")
    blocks = readiness_blocks(overview, trend, distributions=True)
    found = [blocks["by_type"], blocks["by_county"], *blocks["trends"]]
    found += [block for _area, area_blocks in blocks["areas"] for block in area_blocks]
    return found


def test_every_block_of_a_dashboard_renders_as_the_template_does(db):
    from django.template import Context, Template

    from reporting.templatetags.reporting_dashboards import dash_block

    blocks = _readiness_dashboard_blocks()
    odd = {"key": "x-y_1", "title": 'Län & "typ"', "code": "k&1", "is_dnp": True, "summary": "<b>"}
    blocks += [
        {**odd, "table": _odd_tables()[2]},
        {"key": "tom", "title": "", "table": _odd_tables()[0]},
    ]
    assert any(b.get("chart") for b in blocks) and any(not b.get("chart") for b in blocks)
    template = Template('{% include "reporting/partials/dash_block.html" %}')
    for query in ("", "lan=01&typ=<KOMMUN>"):
        for level in (3, 4):
            for block in blocks:
                context = {
                    "block": block,
                    "level": level,
                    "query": query,
                    "export_url": "reporting:readiness-export",
                }
                expected = template.render(Context(context))
                assert str(dash_block(Context(context), block, level)) == expected, block["key"]
