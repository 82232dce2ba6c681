"""Which failures are retried, and how long to wait before the next attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass


class TransientError(Exception):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection.

    ``retry_after_s`` carries the server's ``Retry-After`` when it sent one; ``kind`` is
    what the executor counts it as (``rate_limited``, ``server_error``, ``timeout``, ...).
    """

    def __init__(
        self, message: str, retry_after_s: float | None = None, kind: str = "transient"
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.kind = kind


class GaveUp(Exception):
    """A request still failed after its last attempt; the message names the last failure."""


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
