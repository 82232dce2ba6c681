"""Lexical methods of the offline judge for HallucinationScore and FactualAccuracy.

Both compare the specific details of an answer (names, numbers, identifiers) or the key
terms of a golden reference answer, because those are what a lexical method can check.
HEURISTICS.md documents the rules for users reading heuristic-v1 scores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fi_dagster.evals.judges.lexical import (
    content_words,
    identifiers,
    mentioned_in,
    number_forms,
    sentences,
    specifics,
)

MAX_LISTED = 3


def hallucination(variables: Mapping[str, str]) -> tuple[float, str]:
    """Share of answer sentences whose names, numbers and ids all appear in the context."""
    context = "\n".join(variables.get(k, "") for k in ("question", "context", "documents"))
    numbers = number_forms(context)
    checked, flagged = 0, []
    for sentence in sentences(variables.get("answer", "")):
        details = specifics(sentence)
        if not details:
            continue
        checked += 1
        foreign = sorted(d for d in details if not mentioned_in(d, context, numbers))
        if foreign:
            flagged.append(f"{', '.join(foreign[:4])} in {_clip(sentence)!r}")
    if not checked:
        return 1.0, "the answer states no names, numbers or identifiers to check"
    reason = f"{checked - len(flagged)}/{checked} sentences with specifics match the context"
    if flagged:
        reason += "; not in the context: " + "; ".join(flagged[:MAX_LISTED])
    return 1 - len(flagged) / checked, reason


def factual_accuracy(variables: Mapping[str, str]) -> tuple[float | None, str]:
    """Share of the reference answer's key terms that the answer contains."""
    reference, answer = variables.get("reference", ""), variables.get("answer", "")
    if not reference.strip():
        return (
            None,
            "heuristic-v1 checks facts only against a reference answer; none for this input",
        )
    terms = content_words(reference) | identifiers(reference)
    if not terms:  # a short reference such as "Yes" or "No"
        same = _normalized(reference) in _normalized(answer)
        return float(same), f"reference answer {reference.strip()!r} {'' if same else 'not '}found"
    answer_words, numbers = content_words(answer), number_forms(answer)
    missing = sorted(
        t for t in terms if t not in answer_words and not mentioned_in(t, answer, numbers)
    )
    reason = f"{len(terms) - len(missing)}/{len(terms)} key terms of the reference answer found"
    if missing:
        reason += "; missing: " + ", ".join(missing[:8])
    return 1 - len(missing) / len(terms), reason


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _clip(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
