"""The one configuration file, ``fi_dagster.yaml``, as a validated pydantic model.

Secrets never live here: they come from the environment (see ``settings.py``).
A bad file fails with a message that names the key and the problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CohortMapping(_Strict):
    """Attribute keys tried, in order, to resolve each cohort column per trace."""

    tenant: list[str] = ["tenant.id", "tenant", "metadata.tenant"]
    route: list[str] = ["route", "http.route", "gen_ai.agent.name"]
    prompt_version: list[str] = [
        "llm.prompt_template.version",
        "prompt.version",
        "gen_ai.prompt.name",
    ]
    model: list[str] = ["llm.model_name", "gen_ai.response.model", "gen_ai.request.model"]


class IngestConfig(_Strict):
    """How trace files are read: limits that protect memory, and what the span check allows."""

    max_attribute_chars: int = Field(
        1_048_576, ge=64, description="Longer string attribute values are truncated (counted)."
    )
    timestamp_skew_minutes: float = Field(
        60.0, ge=0, description="Spans may start this long before / after their partition day."
    )
    chunk_spans: int = Field(50_000, ge=100, description="Spans per Parquet row group written.")
    workers: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        "auto",
        description="Processes reading a day's files; 'auto' = up to 2 for a large multi-file "
        "day (1 in a daemonic process such as a Celery prefork child, which cannot fork).",
    )


class SamplingConfig(_Strict):
    """Deterministic, cohort-stratified trace sampling (see ``stats/sampling.py``)."""

    rate: float = Field(1.0, gt=0, le=1, description="Default inclusion probability per trace.")
    min_per_cohort: int = Field(30, ge=0)
    max_per_cohort: int | None = Field(None, ge=1)
    max_traces_per_day: int | None = Field(None, ge=1)
    max_judged_items_per_day: int | None = Field(
        None, ge=1, description="Cap on judge-eligible spans (LLM spans + agent roots) per day."
    )
    always_include_errors: bool = True
    salt: str = "fi-dagster"


class EvaluatorConfig(_Strict):
    enabled: bool = True
    threshold: float = Field(0.5, ge=0, le=1)
    routes: list[str] | None = None  # None = every route


class JsonSchemaRule(_Strict):
    """A configured JSON schema that outputs of LLM spans on a route must satisfy."""

    route: str
    span_name: str | None = None
    schema_: dict[str, Any] = Field(alias="schema")


class JudgeConfig(_Strict):
    """How the LLM judge is called: pace, patience, spend per partition, privacy, caching.

    Rate limits are proactive (requests are paced to stay under them); set them at or a
    little below your account's limits. Budget caps count uncached judge items; items
    beyond a cap are ``skipped`` with reason "budget cap reached".
    """

    requests_per_minute: float | None = Field(500, gt=0)
    tokens_per_minute: float | None = Field(200_000, gt=0)
    concurrency: int = Field(8, ge=1, le=512)
    max_attempts: int = Field(4, ge=1, le=20)
    timeout_s: float = Field(60.0, gt=0)
    max_calls_per_partition: int | None = Field(None, ge=0)
    max_spend_usd_per_partition: float | None = Field(None, ge=0)
    redact_pii: bool = True
    cache: bool = True


class ShardRetryConfig(_Strict):
    """How a failed evaluation shard (its step, not one judge call) is retried by Dagster.

    The wait grows exponentially: ``delay_s`` before the first retry, 3 × ``delay_s`` before
    the second, 7 × before the third. Read when the code location loads (it shapes the job).
    """

    max_retries: int = Field(2, ge=0, le=10)
    delay_s: float = Field(30.0, ge=0, le=3600)


class EvaluationConfig(_Strict):
    evaluators: dict[str, EvaluatorConfig] = Field(default_factory=dict)
    json_schemas: list[JsonSchemaRule] = Field(default_factory=list)
    latency_slo_ms: float | None = Field(None, gt=0)
    latency_slo_ms_by_route: dict[str, PositiveFloat] = Field(default_factory=dict)
    references_path: str | None = None  # golden answers, JSON Lines {"input": .., "answer": ..}
    judge: JudgeConfig = JudgeConfig()
    # Traces per evaluation step: a large day fans out into independently retried shards.
    shard_traces: int = Field(2000, ge=1)
    shard_retry: ShardRetryConfig = ShardRetryConfig()

    def evaluator(self, name: str) -> EvaluatorConfig:
        return self.evaluators.get(name, EvaluatorConfig())


class ReferenceWindow(_Strict):
    """A fixed stretch of partitions to compare against, e.g. the week before a model swap."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _iso_date(cls, v: str) -> str:
        from datetime import date

        return date.fromisoformat(v).isoformat()

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, v: str, info: Any) -> str:
        if v < info.data.get("start", v):
            raise ValueError(f"end {v} is before start {info.data['start']}")
        return v


class RegressionConfig(_Strict):
    """When a change against the baseline is worth a page (see ``stats/regressions.py``).

    The baseline is the trailing ``baseline_days`` partitions, minus days already flagged for
    the same metric, or the reference window named by ``pinned_baseline``. ``max_p_value`` is
    the false discovery rate: it applies to Benjamini–Hochberg adjusted p-values over every
    cohort × metric tested that day.
    """

    baseline_days: int = Field(7, ge=1, le=90)
    min_baseline_days: int = Field(2, ge=1)
    exclude_flagged_days: bool = True
    reference_windows: dict[str, ReferenceWindow] = Field(default_factory=dict)
    pinned_baseline: str | None = None  # a key of reference_windows; None = trailing window
    min_n: int = Field(30, ge=1)
    min_pass_rate_drop: float = Field(0.10, gt=0, le=1)
    min_score_drop: float = Field(0.10, gt=0, le=1)
    min_error_rate_increase: float = Field(0.10, gt=0, le=1)
    max_p_value: float = Field(0.01, gt=0, lt=1)
    latency_ratio: float = Field(1.5, gt=1)
    latency_min_n: int = Field(200, ge=1)  # p99 needs a tail of a few spans
    cost_ratio: float = Field(1.5, gt=1)
    tokens_ratio: float = Field(1.3, gt=1)
    late_data_days: int = Field(3, ge=0)  # recent partitions re-run when trace files land late

    @field_validator("pinned_baseline")
    @classmethod
    def _known_window(cls, v: str | None, info: Any) -> str | None:
        known = info.data.get("reference_windows", {})
        if v is not None and v not in known:
            names = ", ".join(sorted(known)) or "none defined"
            raise ValueError(f"{v!r} is not a key of reference_windows ({names})")
        return v


class AlertConfig(_Strict):
    page_backfill: bool = False
    backfill_age_days: int = Field(2, ge=0)
    max_attempts: int = Field(8, ge=1)
    min_severity: str = Field("warn", pattern="^(warn|error)$")  # page only at this or worse
    run_failures: bool = True  # post failed runs to the same channel


class PriceOverride(_Strict):
    """A deployment's own price for a model (USD per 1M tokens), from ``effective_from`` on."""

    model: str
    input_per_1m: float = Field(ge=0)
    output_per_1m: float = Field(ge=0)
    cached_input_per_1m: float | None = Field(None, ge=0)  # None: cached tokens at input price
    reasoning_per_1m: float | None = Field(None, ge=0)  # None: reasoning tokens at output price
    effective_from: str | None = None  # None: always; before it, the shipped table applies

    @field_validator("effective_from")
    @classmethod
    def _iso_date(cls, v: str | None) -> str | None:
        from datetime import date

        return None if v is None else date.fromisoformat(v).isoformat()


class FiConfig(_Strict):
    cohorts: CohortMapping = CohortMapping()
    ingest: IngestConfig = IngestConfig()
    sampling: SamplingConfig = SamplingConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    regressions: RegressionConfig = RegressionConfig()
    alerts: AlertConfig = AlertConfig()
    prices: list[PriceOverride] = Field(default_factory=list)
    partitions_start: str = "2024-01-01"
    schedule_hour: int = Field(3, ge=0, le=23)

    @field_validator("partitions_start")
    @classmethod
    def _iso_date(cls, v: str) -> str:
        from datetime import date

        date.fromisoformat(v)
        return v


class ConfigError(ValueError):
    """Raised with a message naming the file, the key and the problem."""


def config_path() -> Path | None:
    """``$FI_CONFIG`` if set, else ``./fi_dagster.yaml`` if present, else None (defaults)."""
    explicit = os.environ.get("FI_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("fi_dagster.yaml")
    return local if local.exists() else None


def load_config(path: str | Path | None = None) -> FiConfig:
    path = Path(path) if path else config_path()
    if path is None:
        return FiConfig()
    if not path.exists():
        raise ConfigError(f"{path}: config file not found (set FI_CONFIG or remove it)")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(raw).__name__}")
    try:
        return FiConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc
