"""A blocking check on each day's canonical spans: nothing downstream reads a malformed day.

The Great Expectations suite (``traces/expectations.py``) runs on the columns it needs only;
failing expectations and their counts land in the check's metadata.
"""

import datetime as dt

import dagster as dg

from fi_dagster.resources import FiConfigResource, ParquetIOManager
from fi_dagster.traces.expectations import CHECK_COLUMNS, SpanCheck, validate_spans

SPANS = dg.AssetKey("normalized_spans")


@dg.asset_check(asset=SPANS, blocking=True)
def normalized_spans_expectations(
    context: dg.AssetCheckExecutionContext,
    parquet_io_manager: dg.ResourceParam[ParquetIOManager],
    fi_config: FiConfigResource,
) -> dg.AssetCheckResult:
    """Ids well-formed, latency and token counts ≥ 0, known span kinds, start times in the day."""
    day = context.partition_key
    spans = parquet_io_manager.read(SPANS, day, CHECK_COLUMNS)
    skew = dt.timedelta(minutes=fi_config.load().ingest.timestamp_skew_minutes)
    return check_result(validate_spans(spans, day, skew))


def check_result(check: SpanCheck) -> dg.AssetCheckResult:
    metadata: dict = {"rows": check.rows, "expectations": check.expectations}
    lines = []
    for failure in check.failures:
        name = f"{failure.expectation}({failure.column})"
        metadata[f"unexpected/{name}"] = failure.unexpected
        examples = ", ".join(failure.examples)
        lines.append(f"| `{name}` | {failure.unexpected} | {examples} |")
    if lines:
        table = ["| expectation | unexpected rows | examples |", "|---|---|---|", *lines]
        metadata["failed_expectations"] = dg.MetadataValue.md("\n".join(table))
    return dg.AssetCheckResult(
        passed=check.passed, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
    )


span_checks = [normalized_spans_expectations]
