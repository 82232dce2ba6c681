"""The synthetic trace generator writes Collector-style OTLP JSON Lines whose ground-truth
labels agree with the content, and whose regression knobs move only the targeted cohort."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from fi_dagster.demo import GenerationSummary, Regression, generate_day

DAY = dt.date(2026, 12, 3)
DAY_START_NS = int(dt.datetime(2026, 12, 3, tzinfo=dt.UTC).timestamp()) * 10**9
DAY_END_NS = DAY_START_NS + 86_400 * 10**9
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
KEY = re.compile(r"^dt=2026-12-03/hour=(\d\d)/traces-\d{4}\.jsonl(\.gz)?$")
VALUE_TYPES = {"stringValue", "intValue", "doubleValue", "boolValue", "arrayValue"}
MINI = "gpt-4o-mini-2024-07-18"


class FolderStore:
    """The ``write_bytes`` side of an object store, over a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write_bytes(self, key: str, data: bytes) -> str:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.as_uri()

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@dataclass
class Span:
    key: str
    line: int
    resource: dict[str, Any]
    raw: dict[str, Any]
    attributes: dict[str, Any]

    @property
    def duration_ns(self) -> int:
        return int(self.raw["endTimeUnixNano"]) - int(self.raw["startTimeUnixNano"])

    @property
    def failed(self) -> bool:
        return self.raw["status"].get("code") == 2


def decode(value: dict[str, Any]) -> Any:
    (kind, inner), *rest = value.items()
    assert not rest and kind in VALUE_TYPES, value
    if kind == "intValue":
        assert isinstance(inner, str) and inner.lstrip("-").isdigit()
        return int(inner)
    if kind == "arrayValue":
        return [decode(v) for v in inner["values"]]
    return inner


def key_values(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: decode(kv["value"]) for kv in items}


def read_spans(files: dict[str, bytes]) -> list[Span]:
    spans = []
    for key, data in files.items():
        if key.endswith(".gz"):
            data = gzip.decompress(data)
        for number, line in enumerate(data.splitlines(), start=1):
            for resource_spans in orjson.loads(line)["resourceSpans"]:
                resource = key_values(resource_spans["resource"]["attributes"])
                for scope_spans in resource_spans["scopeSpans"]:
                    assert scope_spans["scope"]["name"].startswith("openinference.")
                    for raw in scope_spans["spans"]:
                        attrs = key_values(raw["attributes"])
                        spans.append(Span(key, number, resource, raw, attrs))
    return spans


def by_trace(spans: list[Span]) -> dict[str, list[Span]]:
    traces: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        traces[span.raw["traceId"]].append(span)
    return traces


def root_of(trace: list[Span]) -> Span:
    (root,) = [s for s in trace if "parentSpanId" not in s.raw]
    return root


def labels(trace: list[Span]) -> dict[str, Any]:
    return orjson.loads(root_of(trace).attributes["metadata"])["synthetic"]


def generate(tmp_path: Path, name: str, n: int, **kwargs: Any) -> tuple[GenerationSummary, dict]:
    store = FolderStore(tmp_path / name)
    summary = generate_day(store, DAY, n, **kwargs)
    return summary, store.files()


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, dict, list[Span]]:
    summary, files = generate(tmp_path_factory.mktemp("day"), "store", 1200, seed=11)
    return summary, files, read_spans(files)


# --- format -------------------------------------------------------------------------------


def test_same_seed_and_date_give_identical_bytes(tmp_path: Path) -> None:
    _, first = generate(tmp_path, "a", 300, seed=3)
    _, again = generate(tmp_path, "b", 300, seed=3)
    _, other_seed = generate(tmp_path, "c", 300, seed=4)
    assert first == again
    assert first.keys() == other_seed.keys()
    assert all(first[k] != other_seed[k] for k in first)


def test_every_line_is_an_otlp_export_request(day) -> None:
    summary, files, spans = day
    assert summary.traces == 1200 and summary.spans == len(spans)
    assert summary.lines == sum(len(data.splitlines()) for data in files.values())
    for span in spans:
        raw = span.raw
        assert HEX32.match(raw["traceId"]) and HEX16.match(raw["spanId"])
        assert raw["kind"] in (1, 3)
        assert isinstance(raw["startTimeUnixNano"], str) and isinstance(raw["endTimeUnixNano"], str)
        assert int(raw["startTimeUnixNano"]) <= int(raw["endTimeUnixNano"])
        assert raw["status"]["code"] in (1, 2) and raw["name"]
        assert {"service.name", "deployment.environment", "tenant.id"} <= span.resource.keys()
        assert span.attributes["openinference.span.kind"] in (
            "AGENT", "CHAIN", "LLM", "TOOL", "RETRIEVER", "EMBEDDING", "GUARDRAIL"
        )  # fmt: skip


def test_each_trace_lives_in_one_line_with_one_root_and_linked_parents(day) -> None:
    _, _, spans = day
    traces = by_trace(spans)
    assert len(traces) == 1200
    for trace in traces.values():
        assert len({(s.key, s.line) for s in trace}) == 1
        ids = {s.raw["spanId"] for s in trace}
        assert len(ids) == len(trace)
        root = root_of(trace)
        for span in trace:
            if span is not root:
                assert span.raw["parentSpanId"] in ids
                assert int(span.raw["startTimeUnixNano"]) >= int(root.raw["startTimeUnixNano"])
                assert int(span.raw["endTimeUnixNano"]) <= int(root.raw["endTimeUnixNano"])
    per_line = Counter((t[0].key, t[0].line) for t in traces.values())
    assert max(per_line.values()) == 50


def test_timestamps_lie_in_the_day_and_files_in_their_hour(day) -> None:
    _, files, spans = day
    assert len(files) == 4
    for span in spans:
        hour = int(KEY.match(span.key).group(1))
        start, end = int(span.raw["startTimeUnixNano"]), int(span.raw["endTimeUnixNano"])
        assert DAY_START_NS <= start <= end < DAY_END_NS
        if "parentSpanId" not in span.raw:
            assert hour * 3600 * 10**9 <= start - DAY_START_NS < (hour + 6) * 3600 * 10**9


def test_gzip_holds_the_same_lines(tmp_path: Path) -> None:
    plain_summary, plain = generate(tmp_path, "plain", 200, seed=2)
    gz_summary, gz = generate(tmp_path, "gz", 200, seed=2, compression="gzip")
    assert [k + ".gz" for k in plain] == list(gz)
    assert all(KEY.match(k) for k in gz)
    assert {k: gzip.decompress(v) for k, v in gz.items()} == {
        k + ".gz": v for k, v in plain.items()
    }
    assert gz_summary.files[0].endswith(".jsonl.gz") and gz_summary.spans == plain_summary.spans


def test_an_empty_day_writes_nothing(tmp_path: Path) -> None:
    summary, files = generate(tmp_path, "empty", 0)
    assert summary.traces == 0 and summary.files == [] and files == {}


# --- OpenInference content -----------------------------------------------------------------


def test_root_spans_carry_cohort_and_labels(day) -> None:
    _, _, spans = day
    routes = Counter()
    for trace in by_trace(spans).values():
        root = root_of(trace)
        attrs = root.attributes
        routes[attrs["route"]] += 1
        assert attrs["route"] == root.raw["name"]
        assert attrs["tenant.id"] == root.resource["tenant.id"]
        assert attrs["session.id"] and attrs["user.id"].startswith(attrs["tenant.id"])
        assert attrs["input.value"]
        models = {s.attributes["llm.model_name"] for s in trace if "llm.model_name" in s.attributes}
        assert len(models) == 1  # one model per trace, so the model cohort is unambiguous
    assert set(routes) == {"support_agent", "rag_qa", "extract_invoice"}
    tenants = Counter(s.resource["tenant.id"] for s in spans if "parentSpanId" not in s.raw)
    assert tenants.most_common(1)[0][0] == "acme" and min(tenants.values()) > 60


def test_llm_spans_report_tokens_and_messages(day) -> None:
    _, _, spans = day
    llm = [s for s in spans if s.attributes["openinference.span.kind"] == "LLM" and not s.failed]
    assert llm
    for span in llm:
        a = span.attributes
        assert (
            a["llm.token_count.total"]
            == a["llm.token_count.prompt"] + a["llm.token_count.completion"]
        )
        assert a["llm.provider"] in ("openai", "anthropic") and a["llm.prompt_template.version"]
        assert a["llm.input_messages.0.message.role"] == "system"
        assert orjson.loads(a["llm.invocation_parameters"])["model"] == a["llm.model_name"]
    tool_args = [s for s in llm if s.raw["name"] == "tool_args_llm"]
    for span in tool_args:
        schemas = [
            orjson.loads(v) for k, v in span.attributes.items() if k.startswith("llm.tools.")
        ]
        names = {s["function"]["name"] for s in schemas}
        assert names == {"lookup_order", "refund_order"}
        prefix = "llm.output_messages.0.message.tool_calls.0.tool_call"
        assert span.attributes[f"{prefix}.function.name"] in names
        assert span.attributes[f"{prefix}.id"].startswith("call_")
    assert tool_args


def test_retrievers_return_three_to_five_documents(day) -> None:
    _, _, spans = day
    retrievers = [s for s in spans if s.raw["name"] == "retrieve_docs"]
    assert retrievers
    for span in retrievers:
        contents = [k for k in span.attributes if k.endswith(".document.content")]
        scores = [v for k, v in sorted(span.attributes.items()) if k.endswith(".document.score")]
        assert 3 <= len(contents) <= 5
        assert all(isinstance(s, float) for s in scores)


def test_errors_carry_exception_events(day) -> None:
    summary, _, spans = day
    failed = [s for s in spans if s.failed]
    assert len(failed) == summary.error_spans > 0
    for span in failed:
        (event,) = span.raw["events"]
        attrs = key_values(event["attributes"])
        assert event["name"] == "exception" and attrs["exception.type"]
        assert attrs["exception.message"] == span.raw["status"]["message"]
    kinds = Counter(key_values(s.raw["events"][0]["attributes"])["exception.type"] for s in failed)
    assert {"TimeoutError", "openai.InternalServerError"} <= kinds.keys()


# --- labels agree with content ---------------------------------------------------------------


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 4}


def supported(sentence: str, doc_words: set[str]) -> float:
    words = content_words(sentence)
    return len(words & doc_words) / len(words)


def rag_labels_and_support(trace: list[Span]) -> tuple[bool, list[float]]:
    (retriever,) = [s for s in trace if s.raw["name"] == "retrieve_docs"]
    docs = [v for k, v in retriever.attributes.items() if k.endswith(".document.content")]
    doc_words = set().union(*map(content_words, docs))
    answer = root_of(trace).attributes["output.value"]
    sentences = re.split(r"(?<=[.!?])\s+", answer)
    return labels(trace)["grounded"], [supported(s, doc_words) for s in sentences]


def test_rag_labels_match_how_well_answers_are_grounded(day) -> None:
    _, _, spans = day
    outcomes = Counter()
    for trace in by_trace(spans).values():
        if root_of(trace).raw["name"] != "rag_qa" or labels(trace)["grounded"] is None:
            continue
        grounded, support = rag_labels_and_support(trace)
        outcomes[grounded] += 1
        if grounded:
            assert min(support) >= 0.7
        else:
            assert sum(s < 0.5 for s in support) > len(support) / 2
    assert 0.01 < outcomes[False] / sum(outcomes.values()) < 0.09


def agent_outcome(trace: list[Span]) -> tuple[bool, bool | None, bool]:
    """(label, arguments valid against the declared schema, looks completed)."""
    root = root_of(trace)
    order_id = re.search(r"ORD-\d{5}", root.attributes["input.value"]).group()
    args_valid = None
    for span in trace:
        if span.raw["name"] == "tool_args_llm" and not span.failed:
            prefix = "llm.output_messages.0.message.tool_calls.0.tool_call.function"
            name = span.attributes[f"{prefix}.name"]
            tools = [
                orjson.loads(v) for k, v in span.attributes.items() if k.startswith("llm.tools")
            ]
            (schema,) = [
                t["function"]["parameters"] for t in tools if t["function"]["name"] == name
            ]
            validator = jsonschema.Draft202012Validator(schema)
            args_valid = validator.is_valid(orjson.loads(span.attributes[f"{prefix}.arguments"]))
    clean = not any(s.failed for s in trace) and args_valid is True
    completed = clean and order_id in root.attributes["output.value"]
    return labels(trace)["task_completed"], args_valid, completed


def test_agent_labels_match_errors_arguments_and_answer(day) -> None:
    _, _, spans = day
    outcomes = Counter()
    for trace in by_trace(spans).values():
        if root_of(trace).raw["name"] != "support_agent":
            continue
        label, args_valid, completed = agent_outcome(trace)
        assert label == completed
        assert labels(trace)["tool_args_valid"] == args_valid
        if not label:
            assert root_of(trace).attributes["output.value"].startswith("I'm sorry")
        outcomes[label] += 1
    assert 0.02 < outcomes[False] / sum(outcomes.values()) < 0.10


def json_outcome(trace: list[Span]) -> tuple[bool | None, bool]:
    (llm,) = [s for s in trace if s.raw["name"] == "json_extract_llm"]
    response_format = orjson.loads(llm.attributes["llm.invocation_parameters"])["response_format"]
    assert response_format["type"] == "json_schema"
    if llm.failed:
        return labels(trace)["json_valid"], False
    try:
        value = orjson.loads(llm.attributes["output.value"])
    except orjson.JSONDecodeError:
        return labels(trace)["json_valid"], False
    validator = jsonschema.Draft202012Validator(response_format["json_schema"]["schema"])
    return labels(trace)["json_valid"], validator.is_valid(value)


def test_json_labels_match_schema_validation(day) -> None:
    _, _, spans = day
    outcomes = Counter()
    for trace in by_trace(spans).values():
        if root_of(trace).raw["name"] == "extract_invoice":
            label, valid = json_outcome(trace)
            if label is not None:
                assert label == valid
                outcomes[label] += 1
    assert 0.005 < outcomes[False] / sum(outcomes.values()) < 0.07


def test_latencies_have_heavy_tails(day) -> None:
    _, _, spans = day
    llm = sorted(s.duration_ns for s in spans if s.raw["name"] == "rag_answer_llm")
    p50, p99 = llm[len(llm) // 2], llm[int(len(llm) * 0.99)]
    assert p99 > 2.5 * p50


# --- regression knobs ------------------------------------------------------------------------


def failure_rates(spans: list[Span], tenant: str) -> tuple[float, float]:
    """Share of quality failures inside and outside ``tenant``."""
    counts: dict[bool, Counter] = {True: Counter(), False: Counter()}
    for trace in by_trace(spans).values():
        label = labels(trace)
        failed = any(label.get(k) is False for k in ("grounded", "task_completed", "json_valid"))
        counts[root_of(trace).resource["tenant.id"] == tenant][failed] += 1
    return tuple(c[True] / (c[True] + c[False]) for c in (counts[True], counts[False]))


def test_quality_regression_degrades_only_its_cohort(tmp_path: Path) -> None:
    knob = Regression(kind="quality", cohort={"tenant": "northwind"}, factor=10.0)
    summary, files = generate(tmp_path, "q", 800, seed=8, regressions=[knob])
    spans = read_spans(files)
    inside, outside = failure_rates(spans, "northwind")
    assert inside > 0.25 and outside < 0.10
    injected = {
        root_of(t).resource["tenant.id"] for t in by_trace(spans).values() if labels(t)["injected"]
    }
    assert injected == {"northwind"} and summary.regressed_traces > 0


def durations_and_tokens(files: dict[str, bytes]) -> dict[str, tuple[Span, int, Any]]:
    return {
        s.raw["spanId"]: (s, s.duration_ns, s.attributes.get("llm.token_count.prompt"))
        for s in read_spans(files)
    }


@pytest.fixture(scope="module")
def plain_day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Span, int, Any]]:
    _, files = generate(tmp_path_factory.mktemp("plain"), "store", 600, seed=5)
    return durations_and_tokens(files)


def test_latency_regression_slows_only_that_step_in_that_cohort(tmp_path, plain_day) -> None:
    knob = Regression(
        kind="latency", cohort={"tenant": "northwind"}, step="tool_args_llm", factor=4
    )
    _, files = generate(tmp_path, "lat", 600, seed=5, regressions=[knob])
    slowed = durations_and_tokens(files)
    assert slowed.keys() == plain_day.keys()
    ratios = []
    for span_id, (span, duration, _) in slowed.items():
        before = plain_day[span_id][1]
        in_cohort = span.resource["tenant.id"] == "northwind"
        if in_cohort and span.raw["name"] == "tool_args_llm":
            ratios.append(duration / before)
        elif in_cohort and span.raw["name"] == "support_agent":
            assert duration >= before  # the root waits for its slower child
        else:
            assert duration == before, span.raw["name"]
    assert len(ratios) > 15 and all(3.99 < r < 4.01 for r in ratios)


def test_token_regression_grows_only_that_step_in_that_cohort(tmp_path, plain_day) -> None:
    cohort = {"model": MINI, "route": "rag_qa"}
    knob = Regression(kind="tokens", cohort=cohort, step="rag_answer_llm", factor=2.0)
    _, files = generate(tmp_path, "tok", 600, seed=5, regressions=[knob])
    grown, unchanged = [], 0
    for span_id, (span, _, tokens) in durations_and_tokens(files).items():
        before = plain_day[span_id][2]
        if span.failed:
            continue
        if span.attributes.get("llm.model_name") == MINI and span.raw["name"] == "rag_answer_llm":
            grown.append(tokens / before)
        elif tokens is not None:
            assert tokens == before
            unchanged += 1
    assert len(grown) > 50 and unchanged > 400
    assert statistics.fmean(grown) == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "speed", "cohort": {"tenant": "acme"}}, "kind"),
        ({"kind": "quality", "cohort": {"customer": "acme"}}, "cohort"),
        ({"kind": "latency", "cohort": {"tenant": "acme"}, "factor": 0}, "factor"),
    ],
)
def test_bad_regressions_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Regression(**kwargs)
