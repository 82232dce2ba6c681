"""The price table: which row prices a model, and what a call costs."""

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from fi_dagster.config import PriceOverride
from fi_dagster.stats.prices import PRICES_CSV, Price, PriceTable, cost_usd

REQUESTED = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3-mini",
    "claude-3-5-sonnet",
    "claude-3-5-haiku",
    "claude-3-7-sonnet",
]


def csv_rows() -> list[dict[str, str]]:
    """The packaged table read independently of the module under test."""
    lines = [ln for ln in Path(PRICES_CSV).read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def latest_row(model: str, on_date: str) -> dict[str, str]:
    rows = [r for r in csv_rows() if r["model"] == model and r["effective_from"] <= on_date]
    return max(rows, key=lambda r: r["effective_from"])


def test_table_lists_every_requested_model_with_a_vendor_source():
    rows = csv_rows()
    assert set(REQUESTED) <= {r["model"] for r in rows}
    for row in rows:
        assert row["source"].startswith("https://"), row
        assert float(row["input_per_1m_usd"]) > 0 and float(row["output_per_1m_usd"]) > 0


@pytest.mark.parametrize(
    ("model", "row"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("claude-3-7-sonnet@20250219", "claude-3-7-sonnet"),
    ],
)
def test_versioned_and_provider_prefixed_ids_match_their_family(model, row):
    assert PriceTable.default().price_for(model, "2025-06-01").model == row


def test_a_shorter_id_never_prices_a_different_model():
    only_4o = PriceTable([p for p in PriceTable.default().prices if p.model == "gpt-4o"])
    assert only_4o.price_for("gpt-4o-2024-08-06", "2025-06-01") is not None
    assert only_4o.price_for("gpt-4o-mini", "2025-06-01") is None
    assert only_4o.price_for("gpt-4o-realtime-preview", "2025-06-01") is None


@pytest.mark.parametrize("model", ["mystery-model", "gpt-5-turbo-x", "", None])
def test_unknown_model_costs_none_not_zero(model):
    assert cost_usd(model, 1000, 1000, "2025-06-01") is None


@pytest.mark.parametrize("model", ["gpt-4.1", "claude-3-5-haiku", "gpt-4o-mini"])
def test_cost_is_tokens_times_list_price(model):
    row = latest_row(model, "2025-06-01")
    expected = (1234 * float(row["input_per_1m_usd"]) + 567 * float(row["output_per_1m_usd"])) / 1e6
    assert cost_usd(f"{model}-2099-01-01", 1234, 567, "2025-06-01") == pytest.approx(expected)


def test_price_in_force_on_the_date_is_used():
    before, after = latest_row("gpt-4o", "2024-06-01"), latest_row("gpt-4o", "2025-06-01")
    assert before["input_per_1m_usd"] != after["input_per_1m_usd"]
    for on_date, row in [("2024-06-01", before), ("2025-06-01", after)]:
        price = PriceTable.default().price_for("gpt-4o", on_date)
        assert price.input_per_1m_usd == float(row["input_per_1m_usd"])


def test_before_the_first_row_the_first_published_price_applies():
    table = PriceTable(
        [
            Price("m", "x", 1.0, 2.0, None, "2025-01-01", "https://x"),
            Price("m", "x", 3.0, 4.0, None, "2025-06-01", "https://x"),
        ]
    )
    assert table.price_for("m", "2024-01-01").input_per_1m_usd == 1.0
    assert table.price_for("m", "2025-03-01").input_per_1m_usd == 1.0
    assert table.price_for("m", "2025-07-01").input_per_1m_usd == 3.0


def test_overrides_win_and_price_unknown_models():
    overrides = [
        PriceOverride(model="gpt-4o-mini", input_per_1m=1.0, output_per_1m=2.0),
        PriceOverride(model="in-house-llm", input_per_1m=0.5, output_per_1m=0.5),
    ]
    assert cost_usd("gpt-4o-mini-2024-07-18", 1e6, 1e6, "2025-06-01", overrides) == 3.0
    assert cost_usd("in-house-llm", 2e6, 0, "2025-06-01", overrides) == 1.0
    assert cost_usd("gpt-4.1", 1e6, 0, "2025-06-01", overrides) == float(
        latest_row("gpt-4.1", "2025-06-01")["input_per_1m_usd"]
    )


def test_default_table_is_loaded_once():
    assert PriceTable.default() is PriceTable.default()


def test_every_row_names_its_source_a_real_date_and_sane_rates():
    for row in csv_rows():
        date.fromisoformat(row["effective_from"])
        assert row["provider"] in row["source"], row  # the vendor's own page
        cached = row["cached_input_per_1m_usd"]
        assert not cached or float(cached) <= float(row["input_per_1m_usd"]), row
        assert row["reasoning_per_1m_usd"] == "" or float(row["reasoning_per_1m_usd"]) > 0


def test_cached_and_reasoning_tokens_cost_their_own_rates_or_fall_back():
    price = Price("m", "x", 2.0, 8.0, 0.5, "2025-01-01", "https://x", reasoning_per_1m_usd=None)
    assert price.cost(1000, 100, 400, 60) == pytest.approx(
        (600 * 2.0 + 400 * 0.5 + 40 * 8.0 + 60 * 8.0) / 1e6
    )
    undiscounted = Price("m", "x", 2.0, 8.0, None, "2025-01-01", "https://x")
    assert undiscounted.cost(1000, 100, 400) == pytest.approx(undiscounted.cost(1000, 100))
    assert price.cost(100, 10, 5000, 5000) == pytest.approx((100 * 0.5 + 10 * 8.0) / 1e6)
    vector = price.cost(np.array([1000, 100]), np.array([100, 10]), np.array([400, 0]), 0)
    assert vector.tolist() == pytest.approx([price.cost(1000, 100, 400), price.cost(100, 10)])


def test_an_override_applies_from_its_effective_date_and_the_table_before():
    later = PriceOverride(
        model="gpt-4o-mini", input_per_1m=9.0, output_per_1m=9.0, effective_from="2025-07-01"
    )
    table = PriceTable.default()
    assert table.price_for("gpt-4o-mini", "2025-07-02", [later]).input_per_1m_usd == 9.0
    before = table.price_for("gpt-4o-mini", "2025-06-30", [later])
    assert before.input_per_1m_usd == float(
        latest_row("gpt-4o-mini", "2025-06-30")["input_per_1m_usd"]
    )
    assert before.source.startswith("https://")
    newer = PriceOverride(
        model="gpt-4o-mini", input_per_1m=7.0, output_per_1m=7.0, effective_from="2025-09-01"
    )
    assert table.price_for("gpt-4o-mini", "2025-10-01", [later, newer]).input_per_1m_usd == 7.0


def test_a_bad_override_date_is_refused_with_the_key():
    with pytest.raises(ValueError, match="effective_from"):
        PriceOverride(model="m", input_per_1m=1, output_per_1m=1, effective_from="2025-13-01")
