"""Runs one work function over many items with bounded concurrency and retries.

Evaluators and judges only say how to handle one item; this module owns how many run
at once, which failures are retried, and how long to wait between attempts. A failure
that survives its retries comes back as an ``Outcome`` with an error, never raised,
so one item cannot sink a batch.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class TransientError(Exception):
    """A failure worth retrying (rate limit, server error, timeout).

    ``retry_after_s`` carries the server's ``Retry-After`` when it sent one.
    """

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts; waits honour ``Retry-After``, else exponential backoff + jitter."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.max_delay_s)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Outcome(Generic[Out]):
    """The result of one item: a value, or the error text of its last attempt."""

    value: Out | None
    error: str | None
    attempts: int

    @property
    def ok(self) -> bool:
        return self.error is None


class Executor:
    """A thread pool of ``concurrency`` workers that retries ``TransientError``s.

    ``sleep`` and ``seed`` are injectable so tests can observe waits without waiting.
    """

    def __init__(
        self,
        *,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)

    def run(self, work: Callable[[In], Out], items: Sequence[In]) -> list[Outcome[Out]]:
        """``work`` applied to every item, results in input order."""
        if not items:
            return []
        workers = min(self.concurrency, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fi-judge") as pool:
            return list(pool.map(lambda item: self._attempt(work, item), items))

    def _attempt(self, work: Callable[[In], Out], item: In) -> Outcome[Out]:
        attempt = 1
        while True:
            try:
                return Outcome(work(item), None, attempt)
            except TransientError as exc:
                if attempt >= self.retry.max_attempts:
                    return Outcome(None, f"gave up after {attempt} attempts: {exc}", attempt)
                self._sleep(self.retry.delay_s(attempt, exc.retry_after_s, self._rng))
                attempt += 1
            except Exception as exc:  # not retryable: report, never raise
                return Outcome(None, f"{type(exc).__name__}: {exc}", attempt)
