"""What a model call cost: the versioned vendor price table and its overrides.

Prices live in ``prices.csv`` next to this module (USD per 1M tokens, one row per model and
``effective_from`` date) and can be overridden per deployment (``prices:`` in fi_dagster.yaml).
A model nobody priced costs ``None``, never $0, so an unpriced model cannot pass for a free one.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fi_dagster.config import PriceOverride

PRICES_CSV = Path(__file__).with_name("prices.csv")

# What may follow a priced model id and still be the same model: release dates, `-latest`,
# Bedrock/Vertex revisions. Anything else (`-mini`, `-realtime-preview`) is a different model.
_VERSION_SUFFIX = re.compile(r"(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest|v\d+(?::\d+)?))*")
# Cloud catalogues prefix the vendor: `anthropic.claude-…` (Bedrock), `us.anthropic.claude-…`.
_VENDOR_PREFIX = re.compile(r"^(?:[a-z]{2}\.)?(?:anthropic|openai|amazon|meta|mistral|cohere)\.")


@dataclass(frozen=True)
class Price:
    """List price of one model from ``effective_from`` on, in USD per 1M tokens."""

    model: str
    provider: str
    input_per_1m_usd: float
    output_per_1m_usd: float
    cached_input_per_1m_usd: float | None
    effective_from: str
    source: str

    def cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        return (
            prompt_tokens * self.input_per_1m_usd + completion_tokens * self.output_per_1m_usd
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


def _in_force(rows: list[Price], on_date: str) -> Price | None:
    """The row in force on `on_date`; before the first row, the first published price."""
    if not rows:
        return None
    rows = sorted(rows, key=lambda p: p.effective_from)
    current = [p for p in rows if p.effective_from <= on_date]
    return current[-1] if current else rows[0]


def _override_price(override: PriceOverride) -> Price:
    return Price(
        model=override.model.strip().lower(),
        provider="override",
        input_per_1m_usd=override.input_per_1m,
        output_per_1m_usd=override.output_per_1m,
        cached_input_per_1m_usd=None,
        effective_from="0001-01-01",
        source="fi_dagster.yaml prices",
    )


def _iso(on_date: str | date) -> str:
    return date.fromisoformat(str(on_date)[:10]).isoformat()


class PriceTable:
    """Model prices by model id and date; `default()` loads the packaged table once."""

    def __init__(self, prices: Sequence[Price]):
        self.prices = tuple(prices)

    @classmethod
    def from_csv(cls, path: str | Path) -> PriceTable:
        lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]
        rows = csv.DictReader(lines)
        return cls(
            [
                Price(
                    model=r["model"].strip().lower(),
                    provider=r["provider"],
                    input_per_1m_usd=float(r["input_per_1m_usd"]),
                    output_per_1m_usd=float(r["output_per_1m_usd"]),
                    cached_input_per_1m_usd=(
                        float(r["cached_input_per_1m_usd"])
                        if r.get("cached_input_per_1m_usd")
                        else None
                    ),
                    effective_from=_iso(r["effective_from"]),
                    source=r["source"],
                )
                for r in rows
            ]
        )

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
        """The price of `model` on `on_date`; configured overrides win over the table."""
        if not model or not str(model).strip():
            return None
        bare = normalize_model(str(model))
        override = _best_match([_override_price(o) for o in overrides], bare)
        if override:
            return override[-1]
        return _in_force(_best_match(self.prices, bare), _iso(on_date))


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
    return price.cost(prompt_tokens or 0, completion_tokens or 0)
