"""A proactive limiter on requests per minute and tokens per minute.

Each request reserves its start time before it is sent, so callers queue in order and
the endpoint never sees more than the configured pace. Requests are spaced evenly (no
bursts), which stays under both sliding-window and token-bucket style limits. Token
cost is estimated before the call and corrected with the reported usage afterwards.
"""

from __future__ import annotations

from fi_dagster.evals.clock import Clock, SystemClock

SECONDS_PER_MINUTE = 60.0


class RateLimiter:
    """Spaces requests ``60 / requests_per_minute`` apart and tokens at ``tokens_per_minute``.

    ``token_burst_s`` lets a request start while up to that many seconds of token budget
    are still owed, so one large prompt does not stall the queue behind smaller ones.
    A limit of None is no limit.
    """

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        *,
        clock: Clock | None = None,
        token_burst_s: float = 1.0,
    ) -> None:
        for name, value in (("requests", requests_per_minute), ("tokens", tokens_per_minute)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} per minute must be positive, got {value}")
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.clock = clock or SystemClock()
        self._token_burst_s = token_burst_s
        self._next_request = float("-inf")  # earliest start of the next request
        self._tokens_paid = float("-inf")  # when every reserved token is paid for

    async def acquire(self, tokens: int) -> None:
        """Wait until a request estimated at ``tokens`` may be sent."""
        wait = self.reserve(tokens)
        if wait > 0:
            await self.clock.sleep(wait)

    def reserve(self, tokens: int) -> float:
        """Book the next slot for a request of ``tokens``; seconds until it may start."""
        now = self.clock.now()
        start = max(now, self._next_request, self._tokens_paid - self._token_burst_s)
        if self.requests_per_minute is not None:
            self._next_request = start + SECONDS_PER_MINUTE / self.requests_per_minute
        if self.tokens_per_minute is not None:
            self._tokens_paid = max(self._tokens_paid, start) + self._seconds_for(tokens)
        return start - now

    def settle(self, estimated: int, actual: int) -> None:
        """Correct a reservation with the tokens the endpoint reports it used."""
        if self.tokens_per_minute is not None:
            self._tokens_paid += self._seconds_for(actual - estimated)

    def _seconds_for(self, tokens: int) -> float:
        assert self.tokens_per_minute is not None
        return tokens * SECONDS_PER_MINUTE / self.tokens_per_minute
