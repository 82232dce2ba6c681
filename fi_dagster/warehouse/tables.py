"""The warehouse tables of the contract (DESIGN.md, "Output: warehouse tables").

Every table has ``partition_date`` ('YYYY-MM-DD', indexed). All but the ledgers are
replaced one partition at a time; ``fi_alerts`` is a delivery ledger keyed by
``dedupe_key`` and ``fi_judgment_cache`` keeps judge verdicts keyed by ``cache_key``.
JSON columns are Text holding JSON strings; timestamps are UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _partition_date() -> Column:
    return Column("partition_date", String(10), nullable=False, index=True)


def _cohort() -> list[Column]:
    return [Column(name, String) for name in ("model", "prompt_version", "route", "tenant")]


def _counts(*names: str) -> list[Column]:
    return [Column(name, BigInteger) for name in names]


def _floats(*names: str) -> list[Column]:
    return [Column(name, Float) for name in names]


ingest_daily = Table(
    "fi_ingest_daily",
    metadata,
    _partition_date(),
    Column("convention", String, nullable=False),
    *_counts("files", "lines", "spans", "bad_lines", "bad_spans", "duplicate_spans"),
    *_counts(
        "ends_before_start", "wrong_type_values", "oversized_attributes", "invalid_utf8_lines"
    ),
    Column("quarantine_uri", Text),
)

eval_results = Table(
    "fi_eval_results",
    metadata,
    _partition_date(),
    Column("trace_id", String, nullable=False),
    Column("span_id", String, nullable=False),
    Column("span_name", String),
    Column("span_kind", String),
    Column("evaluator", String, nullable=False),
    Column("score", Float),  # 0..1, higher is better; NULL on error
    Column("passed", Boolean),
    Column("status", String, nullable=False),
    Column("reason", Text),
    Column("judge_model", String),
    *_counts("judge_prompt_tokens", "judge_completion_tokens"),
    Column("judge_cost_usd", Float),
    Column("cached", Boolean),
    Column("sample_weight", Float),
    *_cohort(),
    CheckConstraint("status IN ('ok', 'error', 'skipped')", name="fi_eval_results_status"),
)

quality_daily = Table(
    "fi_quality_daily",
    metadata,
    _partition_date(),
    *_cohort(),
    Column("evaluator", String, nullable=False),
    *_counts("n", "n_error"),
    *_floats("pass_rate", "pass_rate_ci_low", "pass_rate_ci_high", "mean_score"),
    Column("n_eff", Float),  # Kish effective sample size behind the weighted pass rate
)

cost_daily = Table(
    "fi_cost_daily",
    metadata,
    _partition_date(),
    Column("model", String),
    Column("tenant", String),
    Column("route", String),
    *_counts("n_calls", "n_traces", "prompt_tokens", "completion_tokens"),
    Column("cost_usd", Float),  # NULL when the model's price is unknown
    Column("price_known", Boolean),
    *_counts("cached_prompt_tokens", "reasoning_tokens"),
    *_floats("cost_per_trace_p50", "cost_per_trace_p95", "judge_cost_usd"),
)

latency_daily = Table(
    "fi_latency_daily",
    metadata,
    _partition_date(),
    Column("span_kind", String),
    Column("span_name", String),
    Column("model", String),
    *_counts("n"),
    *_floats("p50_ms", "p95_ms", "p99_ms", "max_ms", "error_rate"),
)

# Per cohort roll-up (the day, or one named cohort column) × step (span name; "*" = the whole
# trace): the latency, self time, tokens and cost that regression tests and attribution read.
step_daily = Table(
    "fi_step_daily",
    metadata,
    _partition_date(),
    *_cohort(),
    Column("step", String, nullable=False),
    Column("span_kind", String),
    *_counts("n", "n_traces"),
    *_floats("p50_ms", "p90_ms", "p95_ms", "p99_ms", "log_ms_mean", "log_ms_sd"),
    *_floats("self_ms_per_trace", "tail_self_ms_per_trace"),
    *_floats("prompt_tokens_mean", "prompt_tokens_sd"),
    *_floats("cost_usd_mean", "cost_usd_sd", "cost_per_trace_usd"),
)

regressions = Table(
    "fi_regressions",
    metadata,
    _partition_date(),
    Column("metric", String, nullable=False),
    Column("cohort", Text),  # JSON object
    Column("evaluator_or_stat", String),
    *_floats("baseline_value", "current_value", "delta", "p_value"),
    Column("severity", String),
    Column("attribution", Text),  # JSON
    Column("detected_at", DateTime(timezone=True)),
)

alerts = Table(
    "fi_alerts",
    metadata,
    Column("dedupe_key", String, primary_key=True),
    _partition_date(),
    Column("channel", String, nullable=False),
    Column("status", String, nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text),  # JSON
    Column("next_attempt_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="fi_alerts_status"),
)

judgment_cache = Table(
    "fi_judgment_cache",
    metadata,
    Column("cache_key", String(64), primary_key=True),  # sha256 of the columns below
    _partition_date(),  # the partition whose run paid for the verdict
    Column("evaluator", String, nullable=False),
    Column("evaluator_version", String, nullable=False),
    Column("judge_model", String, nullable=False),
    Column("template_hash", String(64), nullable=False),
    Column("params_hash", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("reason", Text),
    *_counts("prompt_tokens", "completion_tokens"),
    Column("cost_usd", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Keyed tables, updated row by row rather than replaced one partition at a time.
LEDGER_TABLES = frozenset({alerts.name, judgment_cache.name})
PARTITIONED_TABLES = frozenset(metadata.tables) - LEDGER_TABLES
