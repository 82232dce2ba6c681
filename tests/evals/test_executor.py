"""Executor: bounded concurrency, bounded retries, waits that honour the server."""

from __future__ import annotations

import threading

import pytest

from fi_dagster.evals import Executor, RetryPolicy, TransientError


class Recorder:
    """Stands in for ``time.sleep``: remembers the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def flaky(failures: int, retry_after_s: float | None = None):
    """A work function that raises ``TransientError`` ``failures`` times per item."""
    seen: dict[int, int] = {}

    def work(item: int) -> int:
        seen[item] = seen.get(item, 0) + 1
        if seen[item] <= failures:
            raise TransientError(f"HTTP 500 on {item}", retry_after_s)
        return item * 10

    return work


def test_results_keep_input_order() -> None:
    outcomes = Executor(concurrency=4).run(lambda i: i * 2, list(range(20)))
    assert [o.value for o in outcomes] == [i * 2 for i in range(20)]


def test_transient_failures_are_retried_with_growing_jittered_backoff() -> None:
    sleep = Recorder()
    executor = Executor(retry=RetryPolicy(max_attempts=4, base_delay_s=1.0), sleep=sleep, seed=7)
    (outcome,) = executor.run(flaky(3), [1])
    assert (outcome.value, outcome.attempts, outcome.ok) == (10, 4, True)
    for attempt, wait in enumerate(sleep.waits, start=1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling


def test_retry_after_is_honoured_and_capped() -> None:
    sleep = Recorder()
    retry = RetryPolicy(max_attempts=3, max_delay_s=5.0)
    Executor(retry=retry, sleep=sleep).run(flaky(1, retry_after_s=2.5), [1])
    Executor(retry=retry, sleep=sleep).run(flaky(1, retry_after_s=3600), [1])
    assert sleep.waits == [2.5, 5.0]


def test_attempts_are_bounded_and_the_failure_is_returned() -> None:
    sleep = Recorder()
    (outcome,) = Executor(retry=RetryPolicy(max_attempts=4), sleep=sleep).run(flaky(99), [1])
    assert outcome.value is None and outcome.attempts == 4 and len(sleep.waits) == 3
    assert outcome.error == "gave up after 4 attempts: HTTP 500 on 1"


def test_other_errors_are_not_retried() -> None:
    def boom(item: int) -> int:
        raise KeyError(item)

    (outcome,) = Executor(sleep=Recorder()).run(boom, [5])
    assert (outcome.attempts, outcome.error) == (1, "KeyError: 5")


def test_no_more_than_concurrency_items_run_at_once() -> None:
    barrier = threading.Barrier(3, timeout=5)
    lock = threading.Lock()
    running, peak = [0], [0]

    def work(item: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        barrier.wait()  # only passes when three items are in flight together
        with lock:
            running[0] -= 1
        return item

    outcomes = Executor(concurrency=3).run(work, list(range(9)))
    assert all(o.ok for o in outcomes) and peak[0] == 3


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Executor(concurrency=0)
