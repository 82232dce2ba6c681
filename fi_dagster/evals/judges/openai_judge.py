"""A judge backed by any OpenAI-compatible chat completions endpoint."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from time import time
from typing import Any

import openai

from fi_dagster.evals.executor import Executor, TransientError
from fi_dagster.evals.judges.base import JudgeRequest, JudgeVerdict
from fi_dagster.evals.judges.prompts import PromptRenderer
from fi_dagster.evals.judges.verdict import MalformedVerdict, parse_verdict

VERDICT_ATTEMPTS = 2  # a malformed verdict is asked for once more, then it is an error
RETRYABLE_STATUS = frozenset({408, 409, 429})


class OpenAIJudge:
    """Renders each request's template, asks the model for a JSON verdict, validates it.

    Concurrency, retries and backoff belong to the ``Executor``; the client must be
    built with ``max_retries=0`` so retries are not doubled. The client's API key is
    redacted from every error this judge reports.
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        executor: Executor | None = None,
        prompts: PromptRenderer | None = None,
    ) -> None:
        self.model_name = model
        self._client = client
        self._executor = executor or Executor()
        self._prompts = prompts or PromptRenderer()

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model_name!r}, base_url={str(self._client.base_url)!r})"

    def judge_many(self, requests: list[JudgeRequest]) -> list[JudgeVerdict]:
        outcomes = self._executor.run(self._judge_one, requests)
        return [
            o.value if o.value is not None else JudgeVerdict.failed(self._redact(o.error or ""))
            for o in outcomes
        ]

    def _judge_one(self, request: JudgeRequest) -> JudgeVerdict:
        messages = self._prompts.messages(request.template, request.variables)
        spent: list[tuple[int, int]] = []  # (prompt, completion) tokens per call
        problem = ""
        for _ in range(VERDICT_ATTEMPTS):
            try:
                reply, usage = self._complete(messages)
                spent.append(usage)
                score, reason = parse_verdict(reply)
            except MalformedVerdict as exc:
                problem = str(exc)
                continue
            return JudgeVerdict(score, reason, "ok", *_total(spent))
        error = f"malformed verdict after {VERDICT_ATTEMPTS} attempts: {problem}"
        return JudgeVerdict.failed(self._redact(error), *_total(spent))

    def _complete(self, messages: list[dict[str, str]]) -> tuple[str | None, tuple[int, int]]:
        """One chat completion: (content, (prompt_tokens, completion_tokens)).

        Transient failures become ``TransientError``, an unreadable body ``MalformedVerdict``.
        """
        try:
            response = self._client.chat.completions.create(
                model=self.model_name,
                messages=messages,  # type: ignore[arg-type]
                response_format={"type": "json_object"},
                temperature=0,
            )
        except openai.APIStatusError as exc:
            if exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500:
                message = self._redact(f"HTTP {exc.status_code}: {exc.message}")
                raise TransientError(message, _retry_after_s(exc.response.headers)) from None
            raise
        except openai.APIConnectionError as exc:  # includes timeouts
            raise TransientError(self._redact(f"{type(exc).__name__}: {exc}")) from None
        except ValueError as exc:  # a 200 whose body is not a chat completion
            raise MalformedVerdict(f"response is not a chat completion: {exc}"[:200]) from None
        usage = response.usage
        tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        return (response.choices[0].message.content if response.choices else None), tokens

    def _redact(self, text: str) -> str:
        key = self._client.api_key
        return text.replace(key, "[redacted]") if key else text


def _total(spent: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(p for p, _ in spent), sum(c for _, c in spent)


def _retry_after_s(headers: Any) -> float | None:
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
