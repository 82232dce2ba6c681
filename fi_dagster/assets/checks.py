"""Asset checks on the daily tables: a partition with regressions shows WARN or ERROR in the UI.

Each check reads the partition's ``fi_regressions`` rows of its metric families, so the
table a team looks at (quality, latency, cost) carries the verdict.
"""

import dagster as dg
import pandas as pd

from fi_dagster.resources import WarehouseResource
from fi_dagster.stats.comparisons import family_of

CHECKED_TABLES = {
    "fi_quality_daily": ("quality", "eval_errors"),
    "fi_latency_daily": ("latency",),
    "fi_cost_daily": ("cost", "tokens"),
}


def verdict(regressions: pd.DataFrame, families: tuple[str, ...]) -> dg.AssetCheckResult:
    """Passed without regressions of `families`; ERROR severity if any is severe, else WARN."""
    mine = regressions[regressions["metric"].map(lambda m: family_of(m) in families).astype(bool)]
    severe = bool((mine["severity"] == "error").any())
    lines = [
        f"- {row.cohort} {row.evaluator_or_stat} {row.metric}: "
        f"{row.baseline_value:.4g} → {row.current_value:.4g} ({row.severity})"
        for row in mine.itertuples()
    ]
    return dg.AssetCheckResult(
        passed=mine.empty,
        severity=dg.AssetCheckSeverity.ERROR if severe else dg.AssetCheckSeverity.WARN,
        metadata={
            "regressions": len(mine),
            "details": dg.MetadataValue.md("\n".join(lines) or "_none_"),
        },
    )


def _no_regressions_check(table: str, families: tuple[str, ...]) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="no_regressions",
        additional_deps=["fi_regressions"],
        description=f"No {' / '.join(families)} regression against the baseline.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        day = context.partition_key
        return verdict(warehouse.warehouse().read_partition("fi_regressions", day), families)

    return _check


regression_checks = [_no_regressions_check(t, f) for t, f in CHECKED_TABLES.items()]
