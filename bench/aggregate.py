"""The daily aggregations over a synthetic 1,000,000-span partition: time and peak memory.

Builds a realistic canonical span table with vectorized numpy (agents, RAG and tool calls
over skewed cohorts, cached and reasoning tokens, an unpriced model, 2% errors), writes it as
Parquet, then runs each stage the way its asset does: in a fresh process that loads only the
columns it needs. Prints load and compute seconds and the peak RSS of each process.

    python -m bench aggregate [--spans 1000000] [--seed 7] [--rate 0.05] [--keep DIR]
    python -m bench aggregate --stage facts --keep DIR   # one stage on a kept directory
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from fi_dagster.config import SamplingConfig
from fi_dagster.stats import cost, latency, quality, sampling
from fi_dagster.stats.step_daily import step_daily
from fi_dagster.stats.trace_steps import STEP_SPAN_COLUMNS
from fi_dagster.traces.facts import trace_facts
from fi_dagster.traces.spans_parquet import read_spans

DAY = "2025-06-01"
ROUTES = ("support_agent", "rag_qa", "extract_invoice", "orders", "search", "summarize")
MODELS = ("gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022")
MODELS += ("o3-mini-2025-01-31", "in-house-7b")  # o3-mini reasons; in-house-7b has no price
KINDS = ("LLM", "TOOL", "RETRIEVER", "CHAIN", "EMBEDDING", "GUARDRAIL")
NAMES = {
    "LLM": ("chat", "plan", "answer", "summarize"),
    "TOOL": ("search_orders", "lookup_customer", "create_ticket", "calculator"),
    "RETRIEVER": ("vector_search", "bm25"),
    "CHAIN": ("format", "route"),
    "EMBEDDING": ("embed",),
    "GUARDRAIL": ("pii_check", "toxicity"),
}
MEDIAN_MS = {"LLM": 650.0, "TOOL": 90.0, "RETRIEVER": 55.0, "EMBEDDING": 30.0}


def _zipf(rng: np.random.Generator, values: tuple | list, size: int, s: float = 1.1):
    p = 1.0 / np.arange(1, len(values) + 1) ** s
    return np.asarray(values, dtype=object)[rng.choice(len(values), size, p=p / p.sum())]


def _hex_ids(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    draws = rng.integers(0, 2**63, size=n, dtype=np.int64)
    return np.array([f"{x:0{width}x}" for x in draws.tolist()], dtype=object)


def _layout(rng: np.random.Generator, n_spans: int) -> tuple[np.ndarray, np.ndarray]:
    """Trace index and position (0 = root) of every span."""
    sizes = 2 + rng.poisson(5.5, size=n_spans // 4)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_spans) + 1]
    sizes[-1] -= sizes.sum() - n_spans
    trace = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(n_spans) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return trace, position


def _traces(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Per trace: id, cohort (skewed, so small cohorts exist), start time, agent root or not."""
    tenants = [f"tenant-{i:02d}" for i in range(40)]
    seconds = rng.uniform(0, 86_400, n) * 1e6
    start = np.datetime64(DAY, "us") + seconds.astype("timedelta64[us]")
    return pd.DataFrame(
        {
            "trace_id": _hex_ids(rng, n, 32),
            "route": _zipf(rng, ROUTES, n),
            "tenant": _zipf(rng, tenants, n),
            "model": _zipf(rng, MODELS, n, s=0.8),
            "prompt_version": _zipf(rng, ("v3", "v2", "v1"), n),
            "start": start,
            "agent": rng.random(n) < 0.4,
        }
    )


def _kinds_and_names(rng: np.random.Generator, traces: pd.DataFrame, trace, position):
    root = position == 0
    kind = np.asarray(KINDS, dtype=object)[
        rng.choice(len(KINDS), len(trace), p=[0.42, 0.22, 0.14, 0.1, 0.07, 0.05])
    ]
    kind[root] = np.where(traces["agent"].to_numpy()[trace[root]], "AGENT", "CHAIN")
    name = np.empty(len(trace), dtype=object)
    for k, names in NAMES.items():
        rows = kind == k
        name[rows] = np.asarray(names, dtype=object)[rng.integers(0, len(names), rows.sum())]
    name[root] = traces["route"].to_numpy()[trace[root]]
    return kind, name


def _tokens(rng: np.random.Generator, kind: np.ndarray, span_model: np.ndarray) -> dict:
    """Prompt/completion tokens on LLM spans; 40% of calls hit the prompt cache."""
    llm = kind == "LLM"
    prompt = np.where(llm, np.round(rng.lognormal(7.0, 0.8, len(kind))), np.nan)
    completion = np.where(llm, np.round(rng.lognormal(5.0, 0.7, len(kind))), np.nan)
    cached = np.where(rng.random(len(kind)) < 0.4, np.floor(prompt * rng.uniform(0.3, 0.9)), 0)
    thinks = span_model == MODELS[3]
    reasoning = np.where(thinks, np.floor(completion * rng.uniform(0.3, 0.8)), 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cached_prompt_tokens": np.where(llm, cached, np.nan),
        "reasoning_tokens": np.where(llm, reasoning, np.nan),
    }


def _latency(rng: np.random.Generator, kind: np.ndarray, trace: np.ndarray, root: np.ndarray):
    median = np.array([MEDIAN_MS.get(k, 8.0) for k in KINDS + ("AGENT",)])
    codes = pd.Categorical(kind, categories=KINDS + ("AGENT",)).codes
    ms = median[codes] * rng.lognormal(0.0, 0.6, len(kind))
    children = np.bincount(trace, weights=np.where(root, 0.0, ms))
    return np.where(root, children[trace] + rng.exponential(20, len(kind)), ms)


def synthetic_spans(n_spans: int, seed: int = 7) -> pd.DataFrame:
    """A day of canonical spans (the columns the aggregations read, plus attributes)."""
    rng = np.random.default_rng(seed)
    trace, position = _layout(rng, n_spans)
    traces = _traces(rng, int(trace.max()) + 1)
    root = position == 0
    kind, name = _kinds_and_names(rng, traces, trace, position)
    model = traces["model"].to_numpy()[trace]
    router = rng.random(n_spans) < 0.2
    span_model = np.where(kind == "LLM", np.where(router, MODELS[0], model), None)
    span_model = np.where(kind == "EMBEDDING", "text-embedding-3-small", span_model)
    span_id = _hex_ids(rng, n_spans, 16)
    latency_ms = _latency(rng, kind, trace, root)
    start = traces["start"].to_numpy()[trace] + (position * 5_000).astype("timedelta64[us]")
    end = start + (latency_ms * 1000).astype("timedelta64[us]")
    status = np.where(rng.random(n_spans) < 0.02, "ERROR", "OK").astype(object)
    failed = np.bincount(trace, weights=status == "ERROR") > 0
    status[root & failed[trace]] = "ERROR"
    frame = pd.DataFrame(
        {
            "partition_date": DAY,
            "trace_id": traces["trace_id"].to_numpy()[trace],
            "span_id": span_id,
            "parent_span_id": np.where(root, None, span_id[np.flatnonzero(root)[trace]]),
            "name": name,
            "span_kind": kind,
            "start_time": pd.DatetimeIndex(start).tz_localize("UTC"),
            "end_time": pd.DatetimeIndex(end).tz_localize("UTC"),
            "latency_ms": latency_ms,
            "status": status,
            "span_model": span_model,
            **{c: traces[c].to_numpy()[trace] for c in ("model", "tenant", "route")},
            "prompt_version": traces["prompt_version"].to_numpy()[trace],
            **_tokens(rng, kind, span_model),
            "attributes": '{"service.version": "1.4.2", "deployment.environment": "prod"}',
        }
    )
    return frame


def synthetic_results(spans: pd.DataFrame, sample: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Eval results for the sampled traces: Groundedness (judge) and JSONValidation on LLM
    spans, TaskCompletion (judge) on agent roots; pass rates differ by tenant."""
    rng = np.random.default_rng(seed + 1)
    weight = sample.set_index("trace_id")["sample_weight"]
    chosen = spans[spans["trace_id"].isin(weight.index)]
    llm = chosen[chosen["span_kind"] == "LLM"]
    agents = chosen[(chosen["span_kind"] == "AGENT")]
    parts = [
        llm.assign(evaluator="Groundedness", judge=True),
        llm.sample(frac=0.3, random_state=seed).assign(evaluator="JSONValidation", judge=False),
        agents.assign(evaluator="TaskCompletion", judge=True),
    ]
    rows = pd.concat(parts, ignore_index=True)
    n = len(rows)
    tenant_number = rows["tenant"].str[-2:].astype(int).to_numpy()
    passed = rng.random(n) < 0.95 - 0.01 * tenant_number
    status = np.where(rows["judge"] & (rng.random(n) < 0.02), "error", "ok")
    judge = rows["judge"].to_numpy()
    return pd.DataFrame(
        {
            "partition_date": DAY,
            "trace_id": rows["trace_id"],
            "span_id": rows["span_id"],
            "evaluator": rows["evaluator"],
            "status": status,
            "passed": np.where(status == "ok", passed, None),
            "score": np.where(status == "ok", passed * 0.6 + rng.uniform(0, 0.4, n), np.nan),
            "judge_model": np.where(judge, "gpt-4o-mini", None),
            "judge_prompt_tokens": np.where(judge, rng.integers(600, 3000, n), 0),
            "judge_completion_tokens": np.where(judge, rng.integers(20, 200, n), 0),
            "sample_weight": rows["trace_id"].map(weight).to_numpy(),
            **{c: rows[c] for c in ("model", "prompt_version", "route", "tenant")},
        }
    )


def _rss_mb() -> float:
    """This process's peak RSS. VmHWM restarts at exec; ru_maxrss would carry the peak of
    the parent the process was forked from."""
    status = Path("/proc/self/status")
    if status.exists():
        line = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _read(directory: Path, name: str, columns=None) -> pd.DataFrame:
    return pd.read_parquet(
        directory / f"{name}.parquet", columns=list(columns) if columns else None
    )


def _read_spans(d: Path, columns) -> pd.DataFrame:
    """Read as the assets' IO manager reads: `read_spans`, token counts as nullable integers
    (the synthetic file stores them as floats; the canonical schema as int64)."""
    spans = read_spans(d / "spans.parquet", columns)
    tokens = [c for c in spans if c.endswith("_tokens")]
    spans[tokens] = spans[tokens].astype("Int64")
    return spans


def _stage_facts(d: Path) -> tuple[pd.DataFrame, Callable[[], pd.DataFrame]]:
    spans = _read_spans(d, sampling.FACT_SPAN_INPUTS)
    return spans, lambda: trace_facts(spans).assign(
        judged_items=lambda f: f["trace_id"].map(sampling.judged_items(spans)).to_numpy()
    )


def _stage_steps(d: Path) -> tuple[pd.DataFrame, Callable[[], pd.DataFrame]]:
    spans = _read_spans(d, STEP_SPAN_COLUMNS)
    return spans, lambda: step_daily(spans, DAY)


def _stage(name: str, d: Path, config: SamplingConfig):
    """(input frame, the computation) of one stage, as its asset loads and runs it."""
    if name == "facts":
        return _stage_facts(d)
    if name == "steps":
        return _stage_steps(d)
    if name == "sample":
        facts = _read(d, "facts")
        return facts, lambda: sampling.sample_cohorts(facts, config)
    if name == "quality":
        evals = _read(d, "evals")
        return evals, lambda: (quality.quality_daily(evals), quality.headline_pass_rate(evals))[0]
    if name == "cost":
        spans, evals = _read(d, "spans", cost.SPAN_INPUTS), _read(d, "evals")
        return spans, lambda: cost.cost_daily(spans, evals, DAY)
    spans = _read(d, "spans", latency.SPAN_INPUTS)
    return spans, lambda: (latency.latency_daily(spans), latency.latency_headline(spans))[0]


def run_stage(name: str, directory: Path, config: SamplingConfig) -> dict:
    """Run one stage in this process and report its figures (the child side)."""
    baseline = _rss_mb()
    started = time.perf_counter()
    frame, compute = _stage(name, directory, config)
    loaded = time.perf_counter()
    out = compute()
    done = time.perf_counter()
    if name in ("facts", "sample"):
        out.to_parquet(directory / f"{name}.parquet", index=False)
    return {
        "stage": name,
        "rows_in": len(frame),
        "rows_out": len(out),
        "load_s": loaded - started,
        "compute_s": done - loaded,
        "baseline_mb": baseline,
        "peak_mb": _rss_mb(),
    }


def _child(name: str, directory: Path, args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench",
        "aggregate",
        "--stage",
        name,
        "--keep",
        str(directory),
    ]
    command += ["--rate", str(args.rate), "--item-cap", str(args.item_cap)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=Path.cwd())
    return json.loads(out.stdout.strip().splitlines()[-1])


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench aggregate", description=__doc__)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=0.05, help="sampling rate")
    parser.add_argument("--item-cap", type=int, default=20_000, help="judged items per day")
    parser.add_argument("--keep", help="directory for the Parquet files (kept afterwards)")
    parser.add_argument("--stage", help=argparse.SUPPRESS)  # internal: run one stage
    return parser.parse_args(argv)


def _config(args: argparse.Namespace) -> SamplingConfig:
    return SamplingConfig(rate=args.rate, max_judged_items_per_day=args.item_cap)


def _prepare(directory: Path, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    spans = synthetic_spans(args.spans, args.seed)
    built = time.perf_counter() - started
    spans.to_parquet(directory / "spans.parquet", index=False)
    return {"spans": spans, "build_s": built, "traces": spans["trace_id"].nunique()}


def _report(rows: list[dict], setup: dict, sample: pd.DataFrame, evals: pd.DataFrame) -> None:
    print(
        f"{len(setup['spans']):,} spans in {setup['traces']:,} traces, built in "
        f"{setup['build_s']:.1f} s; sample {len(sample):,} traces, {len(evals):,} eval results; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'stage':<8} {'rows in':>10} {'rows out':>9} {'load s':>7} {'compute s':>9} "
        f"{'base MB':>8} {'peak MB':>8}"
    )
    for r in rows:
        print(
            f"{r['stage']:<8} {r['rows_in']:>10,} {r['rows_out']:>9,} {r['load_s']:>7.2f} "
            f"{r['compute_s']:>9.2f} {r['baseline_mb']:>8.0f} {r['peak_mb']:>8.0f}"
        )


def main(argv: list[str]) -> int:
    args = _parse(argv)
    if args.stage:
        print(json.dumps(run_stage(args.stage, Path(args.keep), _config(args))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(args.keep or tmp)
        directory.mkdir(parents=True, exist_ok=True)
        setup = _prepare(directory, args)
        rows = [_child("facts", directory, args), _child("sample", directory, args)]
        sample = _read(directory, "sample")
        evals = synthetic_results(setup["spans"], sample, args.seed)
        evals.to_parquet(directory / "evals.parquet", index=False)
        stages = ("quality", "cost", "latency", "steps")
        rows += [_child(stage, directory, args) for stage in stages]
        _report(rows, setup, sample, evals)
    return 0
