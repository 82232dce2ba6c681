"""What a judge is asked and what it answers, independent of how it decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from fi_dagster.evals.budget import Budget


@dataclass(frozen=True)
class JudgeRequest:
    """One item to judge: which evaluator (and version) asks, which template, its inputs."""

    evaluator: str
    template: str
    variables: dict[str, str] = field(default_factory=dict)
    evaluator_version: str = "1"


@dataclass(frozen=True)
class JudgeVerdict:
    """A judge's answer for one request. An error is a verdict too, never a pass or fail.

    ``skipped`` means the judge did not decide (budget cap reached, or the heuristic
    judge has no way to check this item); ``reason`` says why.
    """

    score: float | None
    reason: str
    status: Literal["ok", "error", "skipped"] = "ok"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    cached: bool = False

    @classmethod
    def failed(cls, error: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> JudgeVerdict:
        return cls(None, "", "error", prompt_tokens, completion_tokens, error)

    @classmethod
    def skipped(cls, reason: str) -> JudgeVerdict:
        return cls(None, reason, "skipped")


@dataclass(frozen=True)
class JudgeIdentity:
    """Everything about a judge that changes its verdicts, for the judgment cache key."""

    model: str
    template_hash: str
    params_hash: str


VerdictCallback = Callable[[int, JudgeVerdict], None]


class Judge(Protocol):
    """Scores requests. ``judge_many`` keeps order and never raises for a single item.

    ``cacheable`` says whether verdicts are worth keeping in the judgment cache (an LLM's
    are; the free, deterministic heuristic's are not). ``on_verdict`` hears of each
    verdict as soon as it is decided, with its index in ``requests``.
    """

    model_name: str
    cacheable: bool

    def identity(self, template: str) -> JudgeIdentity: ...

    def judge_many(
        self,
        requests: list[JudgeRequest],
        *,
        budget: Budget | None = None,
        on_verdict: VerdictCallback | None = None,
    ) -> list[JudgeVerdict]: ...
