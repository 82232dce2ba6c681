"""RateLimiter: requests and tokens per minute, paced before sending, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from judge_kit import FakeClock

from fi_dagster.evals import RateLimiter


def test_requests_are_spaced_evenly_at_the_configured_pace() -> None:
    limiter = RateLimiter(requests_per_minute=60, clock=FakeClock())
    assert [limiter.reserve(tokens=0) for _ in range(5)] == [0, 1, 2, 3, 4]


def test_a_slot_in_the_past_is_not_banked_as_a_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=600, clock=clock)
    assert limiter.reserve(0) == 0
    clock.t = 100.0  # idle for 100 s
    waits = [limiter.reserve(0) for _ in range(3)]
    assert waits == pytest.approx([0, 0.1, 0.2])


def test_tokens_per_minute_paces_large_prompts() -> None:
    limiter = RateLimiter(tokens_per_minute=6000, clock=FakeClock(), token_burst_s=0)
    # 100 tokens/s: each 500-token request pays for 5 s before the next may start
    assert [limiter.reserve(500) for _ in range(3)] == pytest.approx([0, 5, 10])


def test_token_burst_lets_small_requests_start_while_tokens_are_owed() -> None:
    limiter = RateLimiter(tokens_per_minute=6000, clock=FakeClock(), token_burst_s=1.0)
    assert [limiter.reserve(50) for _ in range(4)] == pytest.approx([0, 0, 0, 0.5])


def test_reported_usage_corrects_the_estimate() -> None:
    over = RateLimiter(tokens_per_minute=6000, clock=FakeClock(), token_burst_s=0)
    over.reserve(500)
    over.settle(estimated=500, actual=100)  # the call used far fewer tokens than feared
    assert over.reserve(500) == pytest.approx(1.0)
    under = RateLimiter(tokens_per_minute=6000, clock=FakeClock(), token_burst_s=0)
    under.reserve(100)
    under.settle(estimated=100, actual=700)
    assert under.reserve(100) == pytest.approx(7.0)


def test_the_stricter_limit_wins() -> None:
    limiter = RateLimiter(requests_per_minute=60, tokens_per_minute=60_000, clock=FakeClock())
    assert [limiter.reserve(10) for _ in range(3)] == [0, 1, 2]  # requests bind, not tokens


def test_acquire_sleeps_for_the_reserved_wait_on_the_injected_clock() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=120, clock=clock)

    async def three() -> None:
        for _ in range(3):
            await limiter.acquire(0)

    asyncio.run(three())
    assert clock.waits == [0.5, 1.0]  # the first request goes at once


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="requests per minute"):
        RateLimiter(requests_per_minute=0)
