"""Runs many judge items concurrently, pacing, retrying and bounding every request.

Evaluators and judges only say how to handle one item; this module owns how many run
at once (``concurrency``), when each request may be sent (the ``RateLimiter``), which
failures are retried and how long to wait (``RetryPolicy``, ``Retry-After`` first). A
failure that survives its retries comes back as an ``Outcome`` with an error, never
raised, so one item cannot sink a batch.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fi_dagster.evals.clock import Clock, SystemClock
from fi_dagster.evals.rate_limit import RateLimiter
from fi_dagster.evals.retry import GaveUp, RetryPolicy, TransientError

In = TypeVar("In")
Out = TypeVar("Out")
Reply = TypeVar("Reply")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[Out]):
    """The result of one item: a value, or the error text of its failure."""

    value: Out | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ExecutorStats:
    """Requests sent and failures seen, by kind (``rate_limited``, ``server_error``, ...)."""

    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    gave_up: int = 0


class Executor:
    """Bounded concurrency over items; paced, retried requests within each item.

    ``clock`` and ``seed`` are injectable so tests observe waits without waiting.
    """

    def __init__(
        self,
        *,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        clock: Clock | None = None,
        seed: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.clock = clock or (limiter.clock if limiter else SystemClock())
        self.limiter = limiter
        self.stats = ExecutorStats()
        self._rng = random.Random(seed)

    async def map(
        self,
        work: Callable[[In], Awaitable[Out]],
        items: Sequence[In],
        on_done: Callable[[int, Outcome[Out]], None] | None = None,
    ) -> list[Outcome[Out]]:
        """``work`` over every item, at most ``concurrency`` at once, results in input order.

        ``on_done`` hears of each item as it finishes (to persist results early).
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def one(index: int, item: In) -> Outcome[Out]:
            async with gate:
                outcome = await _outcome(work, item)
            if on_done is not None:
                on_done(index, outcome)
            return outcome

        return list(await asyncio.gather(*(one(i, item) for i, item in enumerate(items))))

    async def call(
        self,
        send: Callable[[], Awaitable[Reply]],
        *,
        tokens: int = 0,
        used: Callable[[Reply], int] | None = None,
    ) -> Reply:
        """One request: paced by the limiter, retried on ``TransientError``.

        ``tokens`` is the estimate the limiter reserves; ``used`` reads the real count
        off the reply. Raises ``GaveUp`` after the last attempt; other errors propagate.
        """
        for attempt in range(1, self.retry.max_attempts + 1):
            if self.limiter is not None:
                await self.limiter.acquire(tokens)
            self.stats.requests += 1
            try:
                reply = await send()
            except TransientError as exc:
                self._settle(tokens, 0)  # a refused request consumed no tokens
                self.stats.failures[exc.kind] += 1
                if attempt == self.retry.max_attempts:
                    self.stats.gave_up += 1
                    raise GaveUp(f"gave up after {attempt} attempts: {exc}") from None
                await self.clock.sleep(self.retry.delay_s(attempt, exc.retry_after_s, self._rng))
                continue
            self._settle(tokens, used(reply) if used else tokens)
            return reply
        raise AssertionError("unreachable: max_attempts >= 1")

    def _settle(self, estimated: int, actual: int) -> None:
        if self.limiter is not None:
            self.limiter.settle(estimated, actual)


async def _outcome(work: Callable[[In], Awaitable[Out]], item: In) -> Outcome[Out]:
    try:
        return Outcome(await work(item), None)
    except Exception as exc:  # report, never raise: one item must not sink the batch
        message = str(exc) if isinstance(exc, GaveUp) else f"{type(exc).__name__}: {exc}"
        return Outcome(None, message)


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from synchronous code, even inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fi-judge") as pool:
        return pool.submit(asyncio.run, coroutine).result()
