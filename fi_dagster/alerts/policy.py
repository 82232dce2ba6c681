"""Which regressions page: not history (backfilled partitions), not below the severity floor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from fi_dagster.config import AlertConfig

_RANK = {"warn": 0, "error": 1}


def is_backfill(partition_date: str, backfill_age_days: int, today: date | None = None) -> bool:
    """Partitions older than the configured age are history: they do not page by default."""
    today = today or datetime.now(UTC).date()
    return (today - date.fromisoformat(partition_date)).days > backfill_age_days


def pageable(
    regressions: pd.DataFrame, config: AlertConfig, today: date | None = None
) -> pd.DataFrame:
    """The regressions that should reach the channel under `config`."""
    if regressions.empty:
        return regressions
    floor = _RANK[config.min_severity]
    keep = regressions["severity"].map(lambda s: _RANK.get(str(s), 1) >= floor)
    if not config.page_backfill:
        recent = regressions["partition_date"].map(
            lambda d: not is_backfill(str(d), config.backfill_age_days, today)
        )
        keep &= recent
    return regressions[keep]
