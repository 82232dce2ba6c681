"""An OpenAI-compatible chat-completions server on loopback, with scripted faults.

Point the real client at it: ``OpenAI(base_url=server.url + "/v1", api_key="test")``.
Faults are queued per test and consumed one per request, in order:

- ``"429"``: rate limited, with ``Retry-After`` (seconds) and ``retry-after-ms`` headers;
- ``"500"``: server error;
- ``"timeout"``: the connection is held, unanswered, until the server stops;
- ``"junk"``: 200 whose body is not JSON;
- ``"junk_verdict"``: a well-formed completion whose content is not a JSON verdict.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from servers.loopback import JsonHandler, LoopbackServer

FaultKind = Literal["429", "500", "timeout", "junk", "junk_verdict"]
Responder = Callable[[dict[str, Any]], str]
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: float = 1.0  # seconds, only for "429"


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None  # None when the body was not JSON


def verdict_responder(score: float = 1.0, reason: str = "ok") -> Responder:
    """A responder that always returns the same JSON verdict."""
    content = json.dumps({"score": score, "reason": reason})
    return lambda _request: content


def estimate_tokens(text: str) -> int:
    """Deterministic stand-in for a tokenizer: about four characters per token."""
    return max(1, math.ceil(len(text) / 4))


def completion_body(request: dict[str, Any], content: str) -> dict[str, Any]:
    """The JSON of a non-streaming chat completion, with ``usage`` filled in."""
    prompt = "".join(str(m.get("content") or "") for m in request.get("messages", []))
    prompt_tokens, completion_tokens = estimate_tokens(prompt), estimate_tokens(content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake-judge"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _ChatHandler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        owner: OpenAIServer = self.server.owner  # type: ignore[assignment]
        raw = self.read_body()
        body = owner.record(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
        if self.path.split("?")[0] not in CHAT_PATHS:
            return self.send(404, _error(f"unknown path {self.path}", "invalid_request_error"))
        if body is None:
            return self.send(400, _error("body is not JSON", "invalid_request_error"))
        if not owner.authorized(self.headers.get("Authorization", "")):
            return self.send(401, _error("Incorrect API key", "invalid_request_error"))
        fault = owner.next_fault()
        if fault is not None and fault.kind != "junk_verdict":
            return self.fail(fault)
        if (wait := owner.rpm_wait_s()) is not None:
            return self.fail(Fault("429", retry_after=wait))
        if owner.latency_s:
            owner.hang_released.wait(owner.latency_s)
        content = "Sure, that looks fine to me." if fault else owner.responder(body)
        self.send(200, completion_body(body, content))

    def fail(self, fault: Fault) -> None:
        if fault.kind == "429":
            headers = {
                "Retry-After": f"{fault.retry_after:g}",
                "retry-after-ms": str(int(fault.retry_after * 1000)),
            }
            self.send(
                429,
                _error("Rate limit reached", "requests", "rate_limit_exceeded"),
                headers=headers,
            )
        elif fault.kind == "500":
            self.send(500, _error("The server had an error", "server_error"))
        elif fault.kind == "timeout":
            self.hang()
        elif fault.kind == "junk":
            self.send(200, "<html><body>upstream proxy error</body></html>")


class OpenAIServer(LoopbackServer):
    """Fake OpenAI endpoint; ``responder`` turns a request's JSON into the assistant's reply."""

    handler_class = _ChatHandler

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency_s: float = 0.0,
        rpm_limit: int | None = None,
        api_key: str | None = None,
    ) -> None:
        super().__init__()
        self.responder = responder or verdict_responder()
        self.latency_s = latency_s
        self.rpm_limit = rpm_limit
        self.api_key = api_key
        self._requests: list[RecordedRequest] = []
        self._faults: deque[Fault] = deque()
        self._admitted: deque[float] = deque()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, faulted ones included (a copy)."""
        with self._lock:
            return list(self._requests)

    def inject(self, *faults: Fault | FaultKind) -> None:
        """Queue faults for the next requests, one per request, in order."""
        with self._lock:
            self._faults.extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def record(self, path: str, headers: dict[str, str], raw: bytes) -> dict[str, Any] | None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            self._requests.append(RecordedRequest(path, headers, body))
        return body

    def authorized(self, header: str) -> bool:
        return self.api_key is None or header == f"Bearer {self.api_key}"

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def rpm_wait_s(self) -> float | None:
        """Seconds until a slot frees up when over ``rpm_limit``, else admit and return None."""
        if self.rpm_limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            while self._admitted and now - self._admitted[0] >= 60:
                self._admitted.popleft()
            if len(self._admitted) >= self.rpm_limit:
                return float(math.ceil(60 - (now - self._admitted[0])))
            self._admitted.append(now)
            return None
