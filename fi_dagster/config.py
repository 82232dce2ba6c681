"""The one configuration file, ``fi_dagster.yaml``, as a validated pydantic model.

Secrets never live here: they come from the environment (see ``settings.py``).
A bad file fails with a message that names the key and the problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


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


class SamplingConfig(_Strict):
    """Deterministic, cohort-stratified trace sampling (see ``stats/sampling.py``)."""

    rate: float = Field(1.0, gt=0, le=1, description="Default inclusion probability per trace.")
    min_per_cohort: int = Field(30, ge=0)
    max_per_cohort: int | None = Field(None, ge=1)
    max_traces_per_day: int | None = Field(None, ge=1)
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


class EvaluationConfig(_Strict):
    evaluators: dict[str, EvaluatorConfig] = Field(default_factory=dict)
    json_schemas: list[JsonSchemaRule] = Field(default_factory=list)
    latency_slo_ms: float | None = Field(None, gt=0)

    def evaluator(self, name: str) -> EvaluatorConfig:
        return self.evaluators.get(name, EvaluatorConfig())


class RegressionConfig(_Strict):
    """When a change against the trailing baseline is worth a page."""

    baseline_days: int = Field(7, ge=1, le=90)
    min_baseline_days: int = Field(2, ge=1)
    min_n: int = Field(30, ge=1)
    min_pass_rate_drop: float = Field(0.10, gt=0, le=1)
    max_p_value: float = Field(0.01, gt=0, lt=1)
    latency_ratio: float = Field(1.5, gt=1)
    latency_min_n: int = Field(200, ge=1)  # p99 needs a tail of a few spans
    cost_ratio: float = Field(1.5, gt=1)


class AlertConfig(_Strict):
    page_backfill: bool = False
    backfill_age_days: int = Field(2, ge=0)
    max_attempts: int = Field(8, ge=1)


class PriceOverride(_Strict):
    model: str
    input_per_1m: float = Field(ge=0)
    output_per_1m: float = Field(ge=0)


class FiConfig(_Strict):
    cohorts: CohortMapping = CohortMapping()
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
