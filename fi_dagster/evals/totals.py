"""Per-partition judge totals from the eval results, for run metadata and logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from fi_dagster.evals.budget import BUDGET_REASON


@dataclass(frozen=True)
class JudgeTotals:
    """What judging a partition took: items judged and reused, tokens, dollars, caps hit."""

    judged: int  # verdicts paid for in this run
    cached: int  # verdicts reused from the judgment cache (or a repeat within the run)
    errors: int
    skipped: int
    budget_skipped: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float

    @property
    def budget_cap_reached(self) -> bool:
        return self.budget_skipped > 0

    def as_metadata(self) -> dict[str, Any]:
        """``judge_items_judged``, ``judge_items_cached``, ``judge_cost_usd``, ... for the UI."""
        names = {"judged": "items_judged", "cached": "items_cached"}
        values = {f"judge_{names.get(k, k)}": v for k, v in asdict(self).items()}
        return values | {"judge_budget_cap_reached": self.budget_cap_reached}


def judge_totals(results: pd.DataFrame) -> JudgeTotals:
    judged = results[results["judge_model"].notna()] if len(results) else results
    if judged.empty:
        return JudgeTotals(0, 0, 0, 0, 0, 0, 0, 0.0)
    status, cached = judged["status"], judged["cached"].astype(bool)
    paid = (status == "ok") & ~cached
    return JudgeTotals(
        judged=int(paid.sum()),
        cached=int(cached.sum()),
        errors=int((status == "error").sum()),
        skipped=int((status == "skipped").sum()),
        budget_skipped=int((judged["reason"] == BUDGET_REASON).sum()),
        prompt_tokens=int(judged["judge_prompt_tokens"].fillna(0).sum()),
        completion_tokens=int(judged["judge_completion_tokens"].fillna(0).sum()),
        cost_usd=float(judged["judge_cost_usd"].fillna(0).sum()),
    )
