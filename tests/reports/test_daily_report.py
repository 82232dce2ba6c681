"""The HTML report: figures from the tables, trends as inline SVG, trace text kept inert."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pandas as pd
import pytest

from fi_dagster.reports.charts import Series, line_chart
from fi_dagster.reports.render import render_html, render_report
from fi_dagster.warehouse.store import Warehouse

EVIL = '<script>alert("x")</script>'
DAYS = [(date(2026, 11, 1) + timedelta(days=i)).isoformat() for i in range(5)]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.polylines: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "polyline":
            self.polylines.append(dict(attrs)["points"])

    def handle_data(self, data):
        self.text.append(data)


def _quality(day: str, rate: float, tenant: str = "*") -> pd.DataFrame:
    row = dict(model="*", prompt_version="*", route="*", tenant=tenant, evaluator="Groundedness")
    return pd.DataFrame(
        [
            dict(
                row,
                n=100,
                n_error=1,
                pass_rate=rate,
                pass_rate_ci_low=rate - 0.05,
                pass_rate_ci_high=min(rate + 0.05, 1.0),
                mean_score=rate,
            )
        ]
    )


def _cost(model: str, tenant: str, route: str, usd: float) -> dict:
    return dict(
        model=model,
        tenant=tenant,
        route=route,
        n_calls=10,
        n_traces=5,
        prompt_tokens=1000,
        completion_tokens=200,
        cost_usd=usd,
        cost_per_trace_p50=0.1,
        cost_per_trace_p95=0.2,
        judge_cost_usd=0.0,
    )


@pytest.fixture
def warehouse(sqlite_url) -> Warehouse:
    wh = Warehouse(sqlite_url)
    for i, day in enumerate(DAYS):
        quality = pd.concat([_quality(day, 0.9 + i / 100), _quality(day, 0.5, tenant=EVIL)])
        wh.replace_partition("fi_quality_daily", day, quality)
        wh.replace_partition(
            "fi_cost_daily",
            day,
            pd.DataFrame([_cost("gpt-4o", EVIL, "rag_qa", 0.5 + i), _cost("*", "*", "*", 0.5 + i)]),
        )
        wh.replace_partition(
            "fi_latency_daily",
            day,
            pd.DataFrame(
                [
                    dict(
                        span_kind="LLM",
                        span_name=EVIL,
                        model="gpt-4o",
                        n=50,
                        p50_ms=100.0,
                        p95_ms=200.0,
                        p99_ms=300.0 + i,
                        max_ms=400.0,
                        error_rate=0.02,
                    )
                ]
            ),
        )
    wh.replace_partition(
        "fi_regressions",
        DAYS[-1],
        pd.DataFrame(
            [
                dict(
                    metric="pass_rate",
                    cohort=json.dumps({"tenant": EVIL}),
                    evaluator_or_stat="Groundedness",
                    baseline_value=0.9,
                    current_value=0.5,
                    delta=-0.4,
                    p_value=1e-6,
                    severity="error",
                    attribution=json.dumps({"summary": f"step {EVIL}"}),
                )
            ]
        ),
    )
    return wh


def test_report_shows_the_day_and_keeps_trace_text_inert(warehouse):
    html = render_html(warehouse, [DAYS[-1]], trailing_days=7)
    page = Elements()
    page.feed(html)
    assert "script" not in page.tags
    text = "".join(page.text)
    assert EVIL in text  # shown as text, escaped in the source
    assert "&lt;script&gt;" in html
    assert f"tenant={EVIL}" in text and "Groundedness" in text
    assert "94.0%" in text  # overall pass rate of the last day
    assert "max $4.50" in text  # the cost trend reads the day's "*" row, not a sum with it


def test_trends_are_inline_svg_with_one_point_per_day(warehouse):
    html = render_html(warehouse, [DAYS[-1]], trailing_days=7)
    page = Elements()
    page.feed(html)
    assert page.tags.count("svg") == 3  # pass rate, cost, slowest p99
    # 7 trailing days, 2 without data: the line has the 5 days that have figures
    assert all(len(points.split()) == 5 for points in page.polylines)
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # no CDN, no links out


def test_chart_breaks_the_line_at_missing_days():
    chart = line_chart(Series("x", [("d1", 1.0), ("d2", None), ("d3", 2.0), ("d4", 3.0)]))
    page = Elements()
    page.feed(chart)
    assert [len(p.split()) for p in page.polylines] == [1, 2]


def test_table_and_json_formats(warehouse):
    table = render_report(warehouse, DAYS[-2:], "table")
    assert DAYS[-2] in table and DAYS[-1] in table
    [first, second] = json.loads(render_report(warehouse, DAYS[-2:], "json"))
    assert second["regressions"] == 1 and first["regressions"] == 0


def test_input_section_counts_what_was_lost_and_names_the_quarantine(warehouse):
    quarantine = f"s3://bucket/work/quarantine/dt={DAYS[-1]}/quarantine.jsonl"
    counts = dict.fromkeys(
        ["files", "lines", "spans", "bad_lines", "bad_spans", "duplicate_spans"], 0
    )
    counts |= dict.fromkeys(
        ["ends_before_start", "wrong_type_values", "oversized_attributes", "invalid_utf8_lines"],
        0,
    )
    rows = [
        counts | dict(convention="openinference", files=3, lines=40, spans=900, bad_lines=2),
        counts | dict(convention=EVIL, files=1, lines=5, spans=7, duplicate_spans=4),
    ]
    frame = pd.DataFrame(rows).assign(quarantine_uri=quarantine)
    warehouse.replace_partition("fi_ingest_daily", DAYS[-1], frame)
    html = render_html(warehouse, [DAYS[-1]], trailing_days=7)
    page = Elements()
    page.feed(html)
    assert "script" not in page.tags
    text = "".join(page.text)
    assert quarantine in text and EVIL in text
    section = html[html.index('id="ingest"') : html.index("</table>", html.index('id="ingest"'))]
    assert '<td class="bad">2</td>' in section  # bad lines stand out
    assert section.index("openinference") < section.index("&lt;script&gt;")  # by spans
    summary = html[html.index('id="summary"') : html.index("</table>")]
    assert "<th>bad input</th>" in summary and '<td class="bad">2</td>' in summary
    table = render_report(warehouse, DAYS[-2:], "table").splitlines()
    assert table[0].split()[2:4] == ["bad", "in"]
    assert [row.split()[2] for row in table[2:4]] == ["0", "2"]
    assert any("quarantined by ingestion" in row for row in table[4:])
    warehouse.replace_partition("fi_ingest_daily", DAYS[-2], frame.assign(quarantine_uri=None))
    assert "Nothing was quarantined." in render_html(warehouse, [DAYS[-2]], trailing_days=7)
    assert "No ingestion figures for this day." in render_html(warehouse, [DAYS[0]])
