"""Executor: bounded concurrency, paced and bounded retries, waits that honour the server."""

from __future__ import annotations

import asyncio

import pytest
from judge_kit import FakeClock

from fi_dagster.evals import (
    Executor,
    GaveUp,
    RateLimiter,
    RetryPolicy,
    TransientError,
    run_blocking,
)


def flaky(failures: int, retry_after_s: float | None = None, kind: str = "server_error"):
    """An async request that raises ``TransientError`` ``failures`` times, then answers."""
    calls = [0]

    async def send() -> str:
        calls[0] += 1
        if calls[0] <= failures:
            raise TransientError(f"HTTP 500 (call {calls[0]})", retry_after_s, kind)
        return "ok"

    return send


def call(executor: Executor, send, **kwargs) -> str:
    return run_blocking(executor.call(send, **kwargs))


def test_map_keeps_input_order() -> None:
    async def double(i: int) -> int:
        await asyncio.sleep(0.001 * (20 - i))  # later items finish first
        return i * 2

    outcomes = run_blocking(Executor(concurrency=4).map(double, list(range(20))))
    assert [o.value for o in outcomes] == [i * 2 for i in range(20)]


def test_transient_failures_are_retried_with_growing_jittered_backoff() -> None:
    clock = FakeClock()
    executor = Executor(retry=RetryPolicy(max_attempts=4, base_delay_s=1.0), clock=clock, seed=7)
    assert call(executor, flaky(3)) == "ok"
    assert len(clock.waits) == 3
    for attempt, wait in enumerate(clock.waits, start=1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling
    assert executor.stats.requests == 4 and executor.stats.failures["server_error"] == 3


def test_retry_after_is_honoured_and_capped() -> None:
    clock = FakeClock()
    executor = Executor(retry=RetryPolicy(max_attempts=3, max_delay_s=5.0), clock=clock)
    call(executor, flaky(1, retry_after_s=2.5, kind="rate_limited"))
    call(executor, flaky(1, retry_after_s=3600, kind="rate_limited"))
    assert clock.waits == [2.5, 5.0]
    assert executor.stats.failures["rate_limited"] == 2


def test_attempts_are_bounded_and_giving_up_names_the_last_failure() -> None:
    clock = FakeClock()
    executor = Executor(retry=RetryPolicy(max_attempts=4), clock=clock)
    with pytest.raises(GaveUp, match=r"^gave up after 4 attempts: HTTP 500 \(call 4\)$"):
        call(executor, flaky(99))
    assert len(clock.waits) == 3 and executor.stats.gave_up == 1


def test_failures_inside_map_become_outcomes_not_exceptions() -> None:
    executor = Executor(retry=RetryPolicy(max_attempts=2), clock=FakeClock())

    async def work(item: int) -> str:
        if item == 1:
            raise KeyError(item)
        return await executor.call(flaky(99) if item == 2 else flaky(0))

    outcomes = run_blocking(executor.map(work, [0, 1, 2]))
    assert [o.ok for o in outcomes] == [True, False, False]
    assert outcomes[1].error == "KeyError: 1"
    assert outcomes[2].error.startswith("gave up after 2 attempts")


def test_other_errors_are_not_retried() -> None:
    clock = FakeClock()
    executor = Executor(clock=clock)

    async def rejected() -> str:
        raise PermissionError("HTTP 401")

    with pytest.raises(PermissionError):
        call(executor, rejected)
    assert executor.stats.requests == 1 and clock.waits == []


def test_every_attempt_goes_through_the_limiter_and_refused_ones_refund_tokens() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=60, tokens_per_minute=600, clock=clock)
    executor = Executor(limiter=limiter, retry=RetryPolicy(max_attempts=3, base_delay_s=0))
    call(executor, flaky(2), tokens=5)
    # three requests, one second apart; the two refused ones gave their tokens back
    assert [w for w in clock.waits if w > 0] == [1.0, 2.0]
    assert limiter.reserve(5) == pytest.approx(3.0)


def test_no_more_than_concurrency_items_run_at_once() -> None:
    running, peak = [0], [0]

    async def work(item: int) -> int:
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        await asyncio.sleep(0.001)
        running[0] -= 1
        return item

    outcomes = run_blocking(Executor(concurrency=3).map(work, list(range(12))))
    assert all(o.ok for o in outcomes) and peak[0] == 3


def test_on_done_hears_of_each_item_as_it_finishes() -> None:
    heard: list[int] = []

    async def work(item: int) -> int:
        await asyncio.sleep(0.001 * (3 - item))
        return item

    run_blocking(Executor(concurrency=4).map(work, [0, 1, 2], lambda i, _o: heard.append(i)))
    assert heard == [2, 1, 0]


def test_run_blocking_works_inside_a_running_loop() -> None:
    async def inner() -> int:
        return 41

    async def outer() -> int:
        return run_blocking(inner()) + 1

    assert asyncio.run(outer()) == 42


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Executor(concurrency=0)


def test_concurrent_items_get_distinct_slots_in_the_order_they_asked() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=60, clock=clock)
    executor = Executor(concurrency=6, limiter=limiter)

    async def send() -> str:
        return "ok"

    async def work(_item: int) -> str:
        return await executor.call(send)

    outcomes = run_blocking(executor.map(work, list(range(6))))
    assert all(o.ok for o in outcomes)
    assert clock.waits == [1.0, 2.0, 3.0, 4.0, 5.0]  # six requests, one per second
