"""Where an OpenAI-compatible judge lives, and how to open a client on it.

The key stays out of ``repr`` and logs; clients are opened per batch because an async
client belongs to the event loop that created it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openai


@dataclass(frozen=True)
class JudgeEndpoint:
    api_key: str = field(repr=False)
    base_url: str | None = None
    timeout_s: float = 60.0

    def client(self) -> openai.AsyncOpenAI:
        """An async client with retries off: the executor owns retries, so none are doubled."""
        return openai.AsyncOpenAI(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=0
        )

    def scrub(self, text: str) -> str:
        """``text`` with the API key masked (errors may echo request details)."""
        return text.replace(self.api_key, "[redacted]") if self.api_key else text
