"""Shards: every sampled trace in exactly one, stable across runs; caps shared out."""

from __future__ import annotations

import pandas as pd

from fi_dagster.config import EvaluationConfig, JudgeConfig
from fi_dagster.evals.shards import shard_config, shard_sample


def _sample(n: int) -> pd.DataFrame:
    return pd.DataFrame({"trace_id": [f"{i:032x}" for i in range(n)], "sample_weight": 1.0})


def test_every_trace_lands_in_exactly_one_shard_and_the_split_is_stable():
    sample = _sample(1000)
    shards = shard_sample(sample, 300)
    assert len(shards) == 4
    ids = pd.concat(shards)["trace_id"]
    assert ids.is_unique and set(ids) == set(sample["trace_id"])
    again = shard_sample(sample.sample(frac=1, random_state=1), 300)
    assert [set(s["trace_id"]) for s in again] == [set(s["trace_id"]) for s in shards]
    assert all(150 < len(s) < 350 for s in shards)


def test_small_and_empty_days_are_one_shard():
    assert [len(s) for s in shard_sample(_sample(10), 300)] == [10]
    assert [len(s) for s in shard_sample(_sample(0), 300)] == [0]


def test_budget_is_shared_by_shards_and_rate_by_parallel_steps():
    config = EvaluationConfig(
        judge=JudgeConfig(
            max_calls_per_partition=10,
            max_spend_usd_per_partition=3.0,
            requests_per_minute=600,
            tokens_per_minute=None,
        )
    )
    shares = [shard_config(config, 4, 2, i).judge for i in range(4)]
    assert [j.max_calls_per_partition for j in shares] == [3, 3, 2, 2]  # adds up to the cap
    judge = shares[0]
    assert judge.max_spend_usd_per_partition == 0.75
    assert judge.requests_per_minute == 300 and judge.tokens_per_minute is None
    assert shard_config(config, 1, 1).judge == config.judge
