"""Judge runtime under a rate limit: throughput, 429s, items lost, cached re-run.

Starts the loopback OpenAI-compatible test server (tests/servers/openai_server.py) with
50 ms latency and a 600 requests/min limit (429 + Retry-After beyond it), judges 2,000
distinct items through the real judge runtime (OpenAIJudge, executor, rate limiter,
judgment cache on a temporary SQLite warehouse), then judges them again at once.

    python -m bench judge [--items 2000] [--rpm-limit 600] [--judge-rpm 600]
                          [--latency-ms 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from fi_dagster.config import JudgeConfig
from fi_dagster.evals import JudgeRequest, JudgmentCache, build_judge, judge_requests
from fi_dagster.warehouse import Warehouse

TESTS = Path(__file__).resolve().parent.parent / "tests"
DAY = "2026-01-01"


def _server_class():
    """The test server, imported from tests/ rather than copied."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from servers.openai_server import OpenAIServer

    return OpenAIServer


def _requests(n: int) -> list[JudgeRequest]:
    return [
        JudgeRequest(
            "Groundedness",
            "groundedness",
            {
                "question": f"When will order ORD-{i:05d} ship?",
                "documents": "[1] Orders ship within two business days from the Lisbon hub.",
                "answer": f"Order ORD-{i:05d} ships within two business days.",
            },
        )
        for i in range(n)
    ]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench judge")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rpm-limit", type=int, default=600, help="the server's limit")
    parser.add_argument("--judge-rpm", type=float, default=None, help="default: --rpm-limit")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _parse(argv)
    judge_rpm = args.judge_rpm or args.rpm_limit
    server_class = _server_class()
    config = JudgeConfig(
        requests_per_minute=judge_rpm,
        tokens_per_minute=1_000_000,  # active, not binding: the server limits requests only
        concurrency=args.concurrency,
    )
    requests = _requests(args.items)
    with (
        server_class(latency_s=args.latency_ms / 1000, rpm_limit=args.rpm_limit) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        cache = JudgmentCache(Warehouse(f"sqlite:///{tmp}/bench.db").engine)
        judge = build_judge(
            api_key="bench-key", base_url=server.url + "/v1", model="gpt-4o-mini", config=config
        )
        started = time.perf_counter()
        first = judge_requests(judge, requests, partition_date=DAY, cache=cache)
        wall = time.perf_counter() - started
        sent = len(server.requests)
        started = time.perf_counter()
        again = judge_requests(judge, requests, partition_date=DAY, cache=cache)
        rerun_wall = time.perf_counter() - started
        rerun_requests = len(server.requests) - sent
    ok = sum(v.status == "ok" for v in first)
    ceiling = args.rpm_limit / 60
    stats = judge.executor.stats  # type: ignore[attr-defined]
    print(
        f"judge benchmark: {args.items} items, server {args.latency_ms:g} ms latency, "
        f"{args.rpm_limit} req/min limit; limiter {judge_rpm:g} req/min, "
        f"concurrency {args.concurrency}"
    )
    print(f"  wall time                 {wall:8.1f} s")
    print(
        f"  achieved                  {ok / wall:8.2f} req/s = {ok / wall / ceiling:.1%} "
        f"of the {ceiling:g} req/s ceiling"
    )
    print(f"  requests sent             {sent:8d}")
    print(f"  429s received             {stats.failures['rate_limited']:8d}")
    other = sum(stats.failures.values()) - stats.failures["rate_limited"]
    print(f"  other failures            {other:8d}")
    print(f"  items lost (not ok)       {args.items - ok:8d}")
    print(
        f"  cached re-run wall time   {rerun_wall:8.2f} s, {rerun_requests} requests, "
        f"{sum(v.cached for v in again)}/{args.items} cached"
    )
    return 0 if ok == args.items and rerun_requests == 0 else 1
