"""What a judge verdict cost, in USD: the shared price table and the deployment's overrides.

Judge spend is priced exactly as ``stats/cost.py`` prices it (``prices:`` in fi_dagster.yaml
win over the shipped table from their ``effective_from`` on), so ``fi_eval_results``, the
budget caps and ``fi_cost_daily`` agree on what judging a partition cost.
"""

from __future__ import annotations

from collections.abc import Sequence

from fi_dagster.config import PriceOverride


def judge_cost_usd(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    on_date: str,
    overrides: Sequence[PriceOverride] = (),
) -> float | None:
    """Cost of the tokens at ``model``'s price on ``on_date``; None if the model is unpriced.

    No tokens (heuristic or cached verdicts) costs nothing, whatever the model.
    """
    if not prompt_tokens and not completion_tokens:
        return 0.0
    from fi_dagster.stats.prices import cost_usd  # lazy: stats is optional for offline use

    return cost_usd(model, prompt_tokens, completion_tokens, on_date, overrides)
