"""What a model call cost: the versioned vendor price table and its overrides.

Prices live in ``prices.csv`` next to this module (USD per 1M tokens, one row per model and
``effective_from`` date, each naming the page it was taken from) and can be overridden per
deployment (``prices:`` in fi_dagster.yaml). A model nobody priced costs ``None``, never $0,
so an unpriced model cannot pass for a free one.

Token counts follow the OpenAI / OTel GenAI convention: ``prompt_tokens`` includes the cached
prompt tokens and ``completion_tokens`` includes the reasoning tokens; those subsets are
billed at their own rate when the price names one (cached input is usually discounted,
reasoning tokens are billed as output by OpenAI and Anthropic).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fi_dagster.config import PriceOverride

PRICES_CSV = Path(__file__).with_name("prices.csv")
OVERRIDE_SOURCE = "fi_dagster.yaml prices"

# What may follow a priced model id and still be the same model: release dates, `-latest`,
# Bedrock/Vertex revisions. Anything else (`-mini`, `-realtime-preview`) is a different model.
_VERSION_SUFFIX = re.compile(r"(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest|v\d+(?::\d+)?))*")
# Cloud catalogues prefix the vendor: `anthropic.claude-…` (Bedrock), `us.anthropic.claude-…`.
_VENDOR_PREFIX = re.compile(r"^(?:[a-z]{2}\.)?(?:anthropic|openai|amazon|meta|mistral|cohere)\.")


@dataclass(frozen=True)
class Price:
    """List price of one model from ``effective_from`` on, in USD per 1M tokens.

    ``cached_input_per_1m_usd`` None: cached prompt tokens cost the input price;
    ``reasoning_per_1m_usd`` None: reasoning tokens cost the output price.
    """

    model: str
    provider: str
    input_per_1m_usd: float
    output_per_1m_usd: float
    cached_input_per_1m_usd: float | None
    effective_from: str
    source: str
    reasoning_per_1m_usd: float | None = None

    @property
    def cached_rate(self) -> float:
        cached = self.cached_input_per_1m_usd
        return self.input_per_1m_usd if cached is None else cached

    @property
    def reasoning_rate(self) -> float:
        reasoning = self.reasoning_per_1m_usd
        return self.output_per_1m_usd if reasoning is None else reasoning

    def cost(
        self,
        prompt_tokens: ArrayLike,
        completion_tokens: ArrayLike,
        cached_prompt_tokens: ArrayLike = 0,
        reasoning_tokens: ArrayLike = 0,
    ) -> Any:
        """USD for one call, or per call for arrays of calls.

        The cached and reasoning subsets are clipped to the totals they are part of.
        """
        cached = np.clip(cached_prompt_tokens, 0, prompt_tokens)
        reasoning = np.clip(reasoning_tokens, 0, completion_tokens)
        return (
            (prompt_tokens - cached) * self.input_per_1m_usd
            + cached * self.cached_rate
            + (completion_tokens - reasoning) * self.output_per_1m_usd
            + reasoning * self.reasoning_rate
        ) / 1e6


def normalize_model(model: str) -> str:
    """The bare model id: lower case, without a `provider/` path or a cloud vendor prefix."""
    bare = model.strip().lower().rsplit("/", 1)[-1]
    return _VENDOR_PREFIX.sub("", bare)


def _specificity(pattern: str, model: str) -> int | None:
    """How specifically `pattern` names `model` (longer is more specific); None if it doesn't."""
    if pattern.endswith("*"):
        stem = pattern[:-1]
        return len(stem) if model.startswith(stem) else None
    if model.startswith(pattern) and _VERSION_SUFFIX.fullmatch(model[len(pattern) :]):
        return len(pattern) + 1  # an exact id beats a wildcard with the same stem
    return None


def _best_match(prices: Iterable[Price], model: str) -> list[Price]:
    """All rows of the most specific pattern that names `model`."""
    scored = [(s, p) for p in prices if (s := _specificity(p.model, model)) is not None]
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [p for s, p in scored if s == best]


def _in_force(rows: list[Price], on_date: str, before_first: bool) -> Price | None:
    """The row in force on `on_date`; before the first row, that row if `before_first`."""
    if not rows:
        return None
    rows = sorted(rows, key=lambda p: p.effective_from)
    current = [p for p in rows if p.effective_from <= on_date]
    if current:
        return current[-1]
    return rows[0] if before_first else None


def _override_price(override: PriceOverride) -> Price:
    return Price(
        model=override.model.strip().lower(),
        provider="override",
        input_per_1m_usd=override.input_per_1m,
        output_per_1m_usd=override.output_per_1m,
        cached_input_per_1m_usd=override.cached_input_per_1m,
        effective_from=override.effective_from or "0001-01-01",
        source=OVERRIDE_SOURCE,
        reasoning_per_1m_usd=override.reasoning_per_1m,
    )


def _iso(on_date: str | date) -> str:
    return date.fromisoformat(str(on_date)[:10]).isoformat()


def _optional_float(text: str | None) -> float | None:
    return float(text) if text and text.strip() else None


def _csv_price(row: dict[str, str]) -> Price:
    return Price(
        model=row["model"].strip().lower(),
        provider=row["provider"],
        input_per_1m_usd=float(row["input_per_1m_usd"]),
        output_per_1m_usd=float(row["output_per_1m_usd"]),
        cached_input_per_1m_usd=_optional_float(row.get("cached_input_per_1m_usd")),
        effective_from=_iso(row["effective_from"]),
        source=row["source"],
        reasoning_per_1m_usd=_optional_float(row.get("reasoning_per_1m_usd")),
    )


class PriceTable:
    """Model prices by model id and date; `default()` loads the packaged table once."""

    def __init__(self, prices: Sequence[Price]):
        self.prices = tuple(prices)

    @classmethod
    def from_csv(cls, path: str | Path) -> PriceTable:
        lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]
        return cls([_csv_price(row) for row in csv.DictReader(lines)])

    @staticmethod
    @functools.cache
    def default() -> PriceTable:
        return PriceTable.from_csv(PRICES_CSV)

    def price_for(
        self,
        model: str | None,
        on_date: str | date,
        overrides: Sequence[PriceOverride] = (),
    ) -> Price | None:
        """The price of `model` on `on_date`.

        An override in force on that date wins over the table; before an override's
        `effective_from` the table applies. Before a model's first table row, that first
        published price applies (traces can predate the row's date by a snapshot).
        """
        if not model or not str(model).strip():
            return None
        bare = normalize_model(str(model))
        day = _iso(on_date)
        overridden = _best_match([_override_price(o) for o in overrides], bare)
        return _in_force(overridden, day, before_first=False) or _in_force(
            _best_match(self.prices, bare), day, before_first=True
        )


def cost_usd(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    on_date: str | date,
    overrides: Sequence[PriceOverride] = (),
) -> float | None:
    """USD cost of one call at list price on `on_date`; None when the model has no price."""
    price = PriceTable.default().price_for(model, on_date, overrides)
    if price is None:
        return None
    return float(price.cost(prompt_tokens or 0, completion_tokens or 0))
