"""Gets a verdict for every judge request of a partition, paying for each one at most once.

Requests already in the judgment cache are answered from it; identical requests within
the partition are judged once; the rest go to the judge in one batch, and each new
verdict is written to the cache as soon as it arrives, so an interrupted run keeps what
it paid for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from fi_dagster.config import PriceOverride
from fi_dagster.evals.budget import Budget
from fi_dagster.evals.cache import CacheKey, JudgmentCache, cache_key
from fi_dagster.evals.judges.base import Judge, JudgeRequest, JudgeVerdict

log = logging.getLogger(__name__)

FLUSH_EVERY = 50


def judge_requests(
    judge: Judge,
    requests: list[JudgeRequest],
    *,
    partition_date: str,
    cache: JudgmentCache | None = None,
    budget: Budget | None = None,
    price_overrides: Sequence[PriceOverride] = (),
) -> list[JudgeVerdict]:
    """One verdict per request, in order; cached ones have ``cached=True`` and no tokens.

    New verdicts go to the cache with their tokens and their cost at the partition's price
    (``price_overrides`` applied), a record of what they were bought for.
    """
    if not requests:
        return []
    if cache is None or not judge.cacheable:
        return judge.judge_many(requests, budget=budget)
    identities = {t: judge.identity(t) for t in {r.template for r in requests}}
    keys = [cache_key(r, identities[r.template]) for r in requests]
    known = cache.lookup(keys)
    todo: dict[str, int] = {}  # digest -> first request with it
    for index, key in enumerate(keys):
        if key.digest not in known:
            todo.setdefault(key.digest, index)
    fresh_keys = [keys[i] for i in todo.values()]
    writer = _CacheWriter(cache, partition_date, fresh_keys, tuple(price_overrides))
    fresh = judge.judge_many([requests[i] for i in todo.values()], budget=budget, on_verdict=writer)
    writer.flush()
    log.info("judgment cache: %d hits, %d judged", len(requests) - len(todo), len(todo))
    return _fan_out(keys, known, dict(zip(todo, fresh, strict=True)), todo)


def _fan_out(
    keys: list[CacheKey],
    known: dict[str, JudgeVerdict],
    fresh: dict[str, JudgeVerdict],
    first: dict[str, int],
) -> list[JudgeVerdict]:
    """Each request's verdict; repeats of a freshly judged request count as cached."""
    verdicts = []
    for index, key in enumerate(keys):
        verdict = known.get(key.digest) or fresh[key.digest]
        if key.digest in fresh and first[key.digest] != index and verdict.status == "ok":
            verdict = replace(verdict, cached=True, prompt_tokens=0, completion_tokens=0)
        verdicts.append(verdict)
    return verdicts


class _CacheWriter:
    """Buffers new verdicts and writes them in small batches while judging goes on."""

    def __init__(
        self,
        cache: JudgmentCache,
        partition_date: str,
        keys: list[CacheKey],
        price_overrides: tuple[PriceOverride, ...],
    ) -> None:
        self._cache, self._date, self._keys = cache, partition_date, keys
        self._overrides = price_overrides
        self._pending: list[tuple[CacheKey, JudgeVerdict]] = []

    def __call__(self, index: int, verdict: JudgeVerdict) -> None:
        if verdict.status == "ok":
            self._pending.append((self._keys[index], verdict))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        try:
            self._cache.store(pending, self._date, self._overrides)
        except Exception:  # the cache saves money; losing a write must not lose the verdicts
            log.warning(
                "could not write %d verdicts to the judgment cache", len(pending), exc_info=True
            )
