"""A per-partition cap on judge calls and judge spend that stops judging cleanly.

Items are admitted in the order they start. Each admitted item reserves its estimated
cost, settled to the real cost when it finishes, so concurrent items cannot overshoot
the spend cap by more than the estimates were off. Once an item is refused, every later
item is refused too: judging stops, it does not pick cheaper items to fill the gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fi_dagster.config import PriceOverride
from fi_dagster.evals.cost import judge_cost_usd

log = logging.getLogger(__name__)

BUDGET_REASON = "budget cap reached"
Pricer = Callable[[int, int], float | None]


@dataclass
class Budget:
    """``max_calls`` uncached judge items and ``max_spend_usd`` dollars; None is no cap."""

    max_calls: int | None = None
    max_spend_usd: float | None = None
    price: Pricer = lambda _prompt, _completion: None
    calls: int = 0
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    refused: int = 0

    @classmethod
    def for_judge(
        cls,
        max_calls: int | None,
        max_spend_usd: float | None,
        model: str,
        on_date: str,
        overrides: Sequence[PriceOverride] = (),
    ) -> Budget:
        """Caps priced at ``model``'s price on ``on_date`` (the partition's date), with the
        deployment's price ``overrides`` applied as everywhere else."""

        def price(prompt: int, completion: int) -> float | None:
            return judge_cost_usd(model, prompt, completion, on_date, overrides)

        if max_spend_usd is not None and price(1_000_000, 0) is None:
            log.warning(
                "judge model %r has no price: the spend cap cannot be enforced, "
                "only max_calls_per_partition applies",
                model,
            )
        return cls(max_calls, max_spend_usd, price)

    @property
    def exhausted(self) -> bool:
        return self.refused > 0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Dollars for these tokens; 0 for an unpriced model."""
        return self.price(prompt_tokens, completion_tokens) or 0.0

    def admit(self, estimated_usd: float) -> bool:
        """Whether one more item, estimated at ``estimated_usd``, fits under the caps."""
        over_calls = self.max_calls is not None and self.calls >= self.max_calls
        committed = self.spent_usd + self.reserved_usd + estimated_usd
        over_spend = self.max_spend_usd is not None and committed > self.max_spend_usd
        if self.exhausted or over_calls or over_spend:
            self.refused += 1
            return False
        self.calls += 1
        self.reserved_usd += estimated_usd
        return True

    def settle(self, estimated_usd: float, actual_usd: float) -> None:
        """Replace an admitted item's reservation with what it really cost."""
        self.reserved_usd -= estimated_usd
        self.spent_usd += actual_usd

    def describe(self) -> str:
        caps = []
        if self.max_calls is not None:
            caps.append(f"max {self.max_calls} calls")
        if self.max_spend_usd is not None:
            caps.append(f"max ${self.max_spend_usd:.4f}")
        return (
            f"judge budget cap reached ({', '.join(caps)}): {self.calls} items judged for "
            f"${self.spent_usd:.4f}, {self.refused} items skipped"
        )
