"""The Great Expectations suite every day's canonical spans must pass before anything reads them.

Ids present and well-formed, latency and token counts non-negative, span kinds from the
schema's list, start times within the partition day give or take a configured skew. Only the
columns these need are validated, so a million-span day stays cheap. Great Expectations is
imported on first use (it takes seconds), never at module import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fi_dagster.traces.schema import SPAN_KINDS, TOKEN_COLUMNS

CHECK_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "span_kind",
    "start_time",
    "latency_ms",
    *TOKEN_COLUMNS,
)
_HEX_32, _HEX_16 = r"^[0-9a-f]{32}$", r"^[0-9a-f]{16}$"


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold, with how many rows broke it and a few of them."""

    expectation: str
    column: str
    unexpected: int
    examples: list[str] = field(default_factory=list)


@dataclass
class SpanCheck:
    rows: int
    failures: list[Failure]
    expectations: int

    @property
    def passed(self) -> bool:
        return not self.failures


def day_window(partition_date: str, skew: dt.timedelta) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span start times allowed on ``partition_date`` (UTC day widened by ``skew``)."""
    start = pd.Timestamp(partition_date, tz="UTC")
    return start - skew, start + pd.Timedelta(days=1) + skew


def _suite(partition_date: str, skew: dt.timedelta) -> Any:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    low, high = day_window(partition_date, skew)
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="trace_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="trace_id", regex=_HEX_32),
        gxe.ExpectColumnValuesToNotBeNull(column="span_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="span_id", regex=_HEX_16),
        gxe.ExpectColumnValuesToMatchRegex(column="parent_span_id", regex=_HEX_16),
        gxe.ExpectColumnValuesToNotBeNull(column="latency_ms"),
        gxe.ExpectColumnValuesToBeBetween(column="latency_ms", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="span_kind", value_set=list(SPAN_KINDS)),
        gxe.ExpectColumnValuesToNotBeNull(column="start_time"),
        gxe.ExpectColumnValuesToBeBetween(column="start_time", min_value=low, max_value=high),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in TOKEN_COLUMNS),
    ]
    return gx.ExpectationSuite(name="normalized_spans", expectations=expectations)


def validate_spans(spans: pd.DataFrame, partition_date: str, skew: dt.timedelta) -> SpanCheck:
    """Run the suite on ``spans`` (at least ``CHECK_COLUMNS``)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("spans")
        .add_dataframe_asset("normalized_spans")
        .add_batch_definition_whole_dataframe("partition")
    )
    suite = context.suites.add(_suite(partition_date, skew))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="normalized_spans", data=batch, suite=suite)
    )
    frame = spans[list(CHECK_COLUMNS)]
    result = validation.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
    failures = [_failure(r) for r in result.results if not r.success]
    return SpanCheck(rows=len(frame), failures=failures, expectations=len(result.results))


def _failure(result: Any) -> Failure:
    config = result.expectation_config
    details = result.result or {}
    examples = [str(v) for v in (details.get("partial_unexpected_list") or [])[:5]]
    if result.exception_info and result.exception_info.get("raised_exception"):
        examples = [str(result.exception_info.get("exception_message"))[:200]]
    return Failure(
        expectation=config.type,
        column=str(config.kwargs.get("column")),
        unexpected=int(details.get("unexpected_count") or 0),
        examples=examples,
    )
