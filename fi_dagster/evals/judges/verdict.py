"""The judge model's answer format, validated before it becomes a score."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

VERDICT_SCHEMA = {
    "type": "object",
    "required": ["score", "reason"],
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string"},
    },
}
_VALIDATOR = Draft202012Validator(VERDICT_SCHEMA)


class MalformedVerdict(ValueError):
    """The judge answered something other than ``{"score": 0..1, "reason": str}``."""


def parse_verdict(text: str | None) -> tuple[float, str]:
    """(score, reason) from the judge's reply, or ``MalformedVerdict`` saying what is wrong."""
    if not text:
        raise MalformedVerdict("empty reply")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MalformedVerdict(f"not JSON ({exc}): {text[:120]!r}") from exc
    problems = sorted(f"{e.json_path}: {e.message}" for e in _VALIDATOR.iter_errors(data))
    if problems:
        raise MalformedVerdict("; ".join(problems)[:300])
    return float(data["score"]), data["reason"]
