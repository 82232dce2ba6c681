"""Lexical scoring methods of the offline judge, one per prompt template.

Each takes the same variables the LLM prompt template gets and returns (score, reason).
HEURISTICS.md documents them for users reading heuristic-v1 scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fi_dagster.evals.judges.claim_heuristics import factual_accuracy, hallucination
from fi_dagster.evals.judges.lexical import content_words, identifiers, is_refusal, sentences

SUPPORT_RATIO = 0.7

Method = Callable[[Mapping[str, str]], tuple[float | None, str]]  # None: cannot judge


def groundedness(variables: Mapping[str, str]) -> tuple[float, str]:
    """Share of answer sentences whose content words mostly appear in the documents."""
    doc_words = content_words(variables.get("documents", ""))
    claims = [(s, w) for s in sentences(variables.get("answer", "")) if (w := content_words(s))]
    if not claims:
        return 1.0, "answer makes no checkable claims"
    unsupported = [s for s, w in claims if len(w & doc_words) / len(w) < SUPPORT_RATIO]
    supported = len(claims) - len(unsupported)
    reason = f"{supported}/{len(claims)} sentences supported by the retrieved documents"
    if unsupported:
        reason += "; unsupported: " + " | ".join(_clip(s) for s in unsupported[:3])
    return supported / len(claims), reason


def task_completion(variables: Mapping[str, str]) -> tuple[float, str]:
    """Fraction of trajectory checks passed; the reason names the failed ones."""
    answer = variables.get("final_answer", "").strip()
    checks = {
        "no ERROR span": not variables.get("error_spans"),
        "tool arguments parsed": not variables.get("tool_argument_errors"),
        "final answer given": bool(answer) and not is_refusal(answer),
    }
    wanted = identifiers(variables.get("request", ""))
    if wanted:
        checks["answer mentions an identifier from the request"] = any(
            token in answer.lower() for token in wanted
        )
    failed = [name for name, ok in checks.items() if not ok]
    score = (len(checks) - len(failed)) / len(checks)
    if not failed:
        return score, f"all {len(checks)} checks passed"
    return score, "failed: " + "; ".join(failed) + _details(variables, failed)


def _details(variables: Mapping[str, str], failed: list[str]) -> str:
    notes = []
    if "no ERROR span" in failed:
        notes.append(f"error spans: {variables['error_spans']}")
    if "tool arguments parsed" in failed:
        notes.append(f"bad tool arguments: {variables['tool_argument_errors']}")
    return " (" + "; ".join(_clip(n) for n in notes) + ")" if notes else ""


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


METHODS: dict[str, Method] = {
    "groundedness": groundedness,
    "hallucination": hallucination,
    "factual_accuracy": factual_accuracy,
    "task_completion": task_completion,
}
