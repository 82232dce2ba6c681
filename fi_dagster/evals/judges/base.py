"""What a judge is asked and what it answers, independent of how it decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True)
class JudgeRequest:
    """One item to judge: which evaluator asks, which prompt template, and its inputs."""

    evaluator: str
    template: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JudgeVerdict:
    """A judge's answer for one request. An error is a verdict too, never a pass or fail."""

    score: float | None
    reason: str
    status: Literal["ok", "error"] = "ok"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    cached: bool = False

    @classmethod
    def failed(cls, error: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> JudgeVerdict:
        return cls(None, "", "error", prompt_tokens, completion_tokens, error)


class Judge(Protocol):
    """Scores requests. ``judge_many`` keeps order and never raises for a single item."""

    model_name: str

    def judge_many(self, requests: list[JudgeRequest]) -> list[JudgeVerdict]: ...
