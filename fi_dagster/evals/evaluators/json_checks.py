"""Checks one JSON text against an optional schema, describing failures by JSON path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

MAX_PROBLEMS = 5


@dataclass(frozen=True)
class JsonCheck:
    """The result of one check. ``problems`` empty and no ``schema_error`` means valid."""

    label: str
    problems: tuple[str, ...] = ()
    schema_error: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems and self.schema_error is None


def check_json(label: str, text: str, schema: dict[str, Any] | None) -> JsonCheck:
    """Parse ``text`` and, when ``schema`` is given, validate it."""
    try:
        instance = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno} (char {exc.pos})"
        return JsonCheck(label, (f"invalid JSON at {where}: {exc.msg}",))
    if schema is None:
        return JsonCheck(label)
    try:
        validator = _validator(json.dumps(schema, sort_keys=True))
    except SchemaError as exc:
        return JsonCheck(label, schema_error=f"schema is invalid: {exc.message}")
    errors = sorted(validator.iter_errors(instance), key=lambda e: e.json_path)
    problems = [f"{e.json_path}: {_clip(e.message)}" for e in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        problems.append(f"(+{len(errors) - MAX_PROBLEMS} more)")
    return JsonCheck(label, tuple(problems))


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Validator:
    """One compiled validator per distinct schema (tools repeat across many spans)."""
    schema = json.loads(schema_json)
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
