"""Split a day's sample into shards that can be judged (and retried) independently.

A trace's shard depends only on its id, so a retried or re-run shard judges exactly the same
traces, and with the judgment cache it pays nothing for those already judged.
"""

from __future__ import annotations

import math

import pandas as pd

from fi_dagster.config import EvaluationConfig
from fi_dagster.stats.sampling import trace_uniforms

SHARD_SALT = "fi-dagster-shard"


def shard_sample(sample: pd.DataFrame, max_traces: int) -> list[pd.DataFrame]:
    """At least one shard (possibly empty); each holds about ``max_traces`` traces or fewer."""
    count = max(1, math.ceil(len(sample) / max_traces))
    if count == 1:
        return [sample.reset_index(drop=True)]
    shard = (trace_uniforms(sample["trace_id"].astype(str), SHARD_SALT) * count).astype(int)
    return [sample[shard == i].reset_index(drop=True) for i in range(count)]


def shard_config(
    config: EvaluationConfig, shards: int, parallel: int, index: int = 0
) -> EvaluationConfig:
    """The view of the partition's judge settings for shard ``index`` of ``shards``.

    Budget caps are per partition, so the shards' shares add up to the cap exactly; rate
    limits are per account, so each of the ``parallel`` steps that may judge at once gets
    its share.
    """
    judge = config.judge
    calls = judge.max_calls_per_partition
    if calls is not None and shards > 1:
        calls = calls // shards + (1 if index < calls % shards else 0)
    update = {
        "max_calls_per_partition": calls,
        "max_spend_usd_per_partition": _share(judge.max_spend_usd_per_partition, shards),
        "requests_per_minute": _share(judge.requests_per_minute, parallel),
        "tokens_per_minute": _share(judge.tokens_per_minute, parallel),
    }
    return config.model_copy(update={"judge": judge.model_copy(update=update)})


def _share(value: float | None, parts: int) -> float | None:
    return value if value is None or parts <= 1 else value / parts
