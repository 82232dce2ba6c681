"""A Slack stand-in on loopback: incoming webhooks and ``chat.postMessage``, with failures.

- ``POST <any path>``: incoming-webhook style; answers ``200 ok`` (text/plain) like Slack.
- ``POST /api/chat.postMessage``: Web API style; answers ``{"ok": true, "channel", "ts"}``.

``fail_next(n, mode)`` makes the next ``n`` posts fail with ``500``, ``503``, ``429``
(``Retry-After``) or ``"hang"`` (held open until the server stops); ``down = True`` makes
every post fail with 503. Only successful posts land in ``messages``; every attempt is in
``attempts``.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from servers.loopback import JsonHandler, LoopbackServer

FailMode = Literal[500, 503, 429, "hang"]


@dataclass(frozen=True)
class SlackPost:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None  # the JSON payload; None when it was not JSON


class _SlackHandler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        owner: SlackReceiver = self.server.owner  # type: ignore[assignment]
        post = owner.record_attempt(
            self.path, {k.lower(): v for k, v in self.headers.items()}, self.read_body()
        )
        mode = owner.next_failure()
        if mode == "hang":
            return self.hang()
        if mode == 429:
            return self.send(429, "rate_limited", "text/plain", {"Retry-After": "1"})
        if mode is not None:
            return self.send(mode, "service_unavailable", "text/plain")
        if post.body is None:
            return self.send(400, "invalid_payload", "text/plain")
        owner.deliver(post)
        if self.path.endswith("/chat.postMessage"):
            channel = post.body.get("channel", "")
            return self.send(200, {"ok": True, "channel": channel, "ts": f"{time.time():.6f}"})
        self.send(200, "ok", "text/plain")


class SlackReceiver(LoopbackServer):
    """Fake Slack; ``webhook_url`` is what goes in ``SLACK_WEBHOOK_URL``."""

    handler_class = _SlackHandler

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self._failures: deque[FailMode] = deque()
        self._attempts: list[SlackPost] = []
        self._messages: list[SlackPost] = []

    @property
    def webhook_url(self) -> str:
        return self.url + "/services/T000/B000/XXXX"

    @property
    def messages(self) -> list[SlackPost]:
        """Posts Slack accepted, in arrival order (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def attempts(self) -> list[SlackPost]:
        """Every post received, failed ones included (a copy)."""
        with self._lock:
            return list(self._attempts)

    def fail_next(self, n: int = 1, mode: FailMode = 500) -> None:
        with self._lock:
            self._failures.extend([mode] * n)

    def record_attempt(self, path: str, headers: dict[str, str], raw: bytes) -> SlackPost:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        post = SlackPost(path, headers, body if isinstance(body, dict) else None)
        with self._lock:
            self._attempts.append(post)
        return post

    def next_failure(self) -> FailMode | None:
        with self._lock:
            if self._failures:
                return self._failures.popleft()
            return 503 if self.down else None

    def deliver(self, post: SlackPost) -> None:
        with self._lock:
            self._messages.append(post)
