"""Cohorts are resolved per trace: root span, then resource, then any span; configurable keys."""

from __future__ import annotations

from otlp_lines import line, span

from fi_dagster.config import CohortMapping
from fi_dagster.traces.cohorts import UNKNOWN_COHORT


def cohorts_by_trace(day) -> dict[str, tuple]:
    _, spans = day.ingest()
    cohorts = spans.groupby("trace_id")[["model", "prompt_version", "route", "tenant"]].nunique()
    assert (cohorts == 1).all().all(), "every span of a trace carries its trace's cohort"
    first = spans.groupby("trace_id")[["model", "prompt_version", "route", "tenant"]].first()
    return {t[-2:]: tuple(row) for t, row in first.iterrows()}


def test_root_beats_resource_beats_any_span(day):
    day.write(
        "a.jsonl",
        line(
            span(1, 2, parent=1, start_ms=5, **{"llm.model_name": "child-model", "tenant": "kid"}),
            span(1, 1, name="answer", **{"route": "/root-route", "llm.model_name": "root-model"}),
            resource={"service.name": "svc", "tenant.id": "resource-tenant"},
        ),
    )
    model, prompt_version, route, tenant = cohorts_by_trace(day)["01"]
    assert (model, route, tenant) == ("root-model", "/root-route", "resource-tenant")
    assert prompt_version == UNKNOWN_COHORT


def test_any_span_fills_what_root_and_resource_lack_earliest_first(day):
    day.write(
        "a.jsonl",
        line(
            span(1, 3, parent=1, start_ms=9, **{"llm.prompt_template.version": "late"}),
            span(1, 2, parent=1, start_ms=4, **{"llm.prompt_template.version": "v2"}),
            span(1, 1, name="support_agent"),
        ),
    )
    _, prompt_version, route, _ = cohorts_by_trace(day)["01"]
    assert (prompt_version, route) == ("v2", "support_agent")  # route falls back to root's name


def test_trace_without_its_root_uses_its_earliest_span(day):
    day.write(
        "a.jsonl",
        line(
            span(1, 3, parent=9, name="later", start_ms=7),
            span(1, 2, parent=9, name="earliest", start_ms=1),
        ),
    )
    assert cohorts_by_trace(day)["01"][2] == "earliest"


def test_metadata_keys_look_inside_the_metadata_json(day):
    day.write("a.jsonl", line(span(1, 1, metadata='{"tenant": "from-metadata"}')))
    assert cohorts_by_trace(day)["01"][3] == "from-metadata"


def test_the_mapping_is_configurable(day):
    day.mapping = CohortMapping(tenant=["customer"], route=["workflow"])
    day.write(
        "a.jsonl",
        line(span(1, 1, customer="initech", workflow="billing", **{"tenant.id": "ignored"})),
    )
    _, _, route, tenant = cohorts_by_trace(day)["01"]
    assert (route, tenant) == ("billing", "initech")


def test_a_trace_split_across_files_gets_one_cohort(day):
    day.write("hour=01/a.jsonl", line(span(1, 2, parent=1, start_ms=3, tenant="t-child")))
    day.write("hour=02/b.jsonl", line(span(1, 1, tenant="t-root")))
    assert cohorts_by_trace(day)["01"][3] == "t-root"
