"""One chat completion request, with the endpoint's failures sorted into what to do next.

Rate limits, server errors, timeouts and dropped connections become ``TransientError``
(retried by the executor, honouring ``Retry-After``); a 200 whose body is not a chat
completion becomes ``MalformedVerdict`` (asked once more); anything else is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time
from typing import Any

import openai

from fi_dagster.evals.judges.verdict import MalformedVerdict
from fi_dagster.evals.retry import TransientError

RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class ChatReply:
    content: str | None
    prompt_tokens: int
    completion_tokens: int


async def complete(
    client: openai.AsyncOpenAI, model: str, messages: list[dict[str, str]]
) -> ChatReply:
    """The assistant's reply to ``messages``, asked for as a JSON object at temperature 0."""
    try:
        response = await client.chat.completions.create(
            model=model,
            messages=messages,  # type: ignore[arg-type]
            response_format={"type": "json_object"},
            temperature=0,
        )
    except openai.APIStatusError as exc:
        if exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500:
            kind = "rate_limited" if exc.status_code == 429 else "server_error"
            retry_after = retry_after_s(exc.response.headers)
            raise TransientError(
                f"HTTP {exc.status_code}: {exc.message}", retry_after, kind
            ) from None
        raise
    except openai.APITimeoutError as exc:
        raise TransientError(f"timeout: {exc}", kind="timeout") from None
    except openai.APIConnectionError as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}", kind="connection") from None
    except ValueError as exc:  # a 200 whose body is not a chat completion
        raise MalformedVerdict(f"response is not a chat completion: {exc}"[:200]) from None
    usage = response.usage
    content = response.choices[0].message.content if response.choices else None
    if usage is None:
        return ChatReply(content, 0, 0)
    return ChatReply(content, usage.prompt_tokens, usage.completion_tokens)


def retry_after_s(headers: Any) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``retry-after``)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None
