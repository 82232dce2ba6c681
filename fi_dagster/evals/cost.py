"""What a judge verdict cost, in USD, from the shared price table."""

from __future__ import annotations


def judge_cost_usd(
    model: str, prompt_tokens: int, completion_tokens: int, on_date: str
) -> float | None:
    """Cost of the tokens at ``model``'s price on ``on_date``; None if the model is unpriced.

    No tokens (heuristic or cached verdicts) costs nothing, whatever the model.
    """
    if not prompt_tokens and not completion_tokens:
        return 0.0
    from fi_dagster.stats.prices import cost_usd  # lazy: stats is optional for offline use

    return cost_usd(model, prompt_tokens, completion_tokens, on_date)
