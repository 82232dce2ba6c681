"""Where alerts go: a Slack incoming webhook, the Slack Web API, or a local JSON-lines file."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fi_dagster.settings import SlackSecrets

log = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """The sink did not accept the message; the ledger keeps it pending."""


class AlertSink(Protocol):
    channel: str

    def send(self, message: dict[str, Any]) -> None: ...


def _post_json(url: str, body: dict[str, Any], timeout: float, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"Slack answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"Slack unreachable: {type(exc).__name__}: {reason}") from None


@dataclass
class SlackWebhookSink:
    """Incoming webhook; errors never include the URL (it is a secret)."""

    webhook_url: str
    timeout: float = 10.0
    channel: str = "slack-webhook"

    def send(self, message: dict[str, Any]) -> None:
        _post_json(self.webhook_url, message, self.timeout, {})


@dataclass
class SlackBotSink:
    """``chat.postMessage`` with a bot token; ``api_url`` is overridable for tests."""

    token: str
    slack_channel: str
    api_url: str = "https://slack.com/api/chat.postMessage"
    timeout: float = 10.0
    channel: str = "slack-bot"

    def send(self, message: dict[str, Any]) -> None:
        body = {"channel": self.slack_channel, **message}
        raw = _post_json(
            self.api_url, body, self.timeout, {"Authorization": f"Bearer {self.token}"}
        )
        answer = json.loads(raw or b"{}")
        if not answer.get("ok", False):
            raise DeliveryError(f"Slack API error: {answer.get('error', 'unknown')}")


@dataclass
class FileSink:
    """The no-Slack default: log the alert and append it to a JSON-lines file."""

    path: Path
    channel: str = "file"

    def send(self, message: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(message) + "\n")
        log.info("alert written to %s: %s", self.path, message.get("text", ""))


def sink_from_env(
    secrets: SlackSecrets, fallback_file: Path, api_url: str | None = None
) -> AlertSink:
    """Slack webhook if set, else bot token + channel, else the file sink."""
    if secrets.webhook_url:
        return SlackWebhookSink(secrets.webhook_url)
    if secrets.bot_token and secrets.channel:
        return SlackBotSink(
            secrets.bot_token, secrets.channel, **({"api_url": api_url} if api_url else {})
        )
    return FileSink(fallback_file)
