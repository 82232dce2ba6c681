"""Where things live and which secrets to use, read from the environment only.

Secrets (API keys, webhook URLs, database passwords) are never part of configuration objects
that Dagster displays or logs: resources hold defaults and env var names, and the values are
read here when a run needs them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def fi_home() -> Path:
    """``$FI_HOME``, else ``$DAGSTER_HOME``, else ``./.fi_dagster``."""
    home = os.environ.get("FI_HOME") or os.environ.get("DAGSTER_HOME") or ".fi_dagster"
    return Path(home).expanduser().resolve()


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Settings:
    home: Path
    traces_uri: str
    work_uri: str
    warehouse_url: str
    s3_endpoint_url: str | None

    @classmethod
    def from_env(cls) -> Settings:
        home = fi_home()
        return cls(
            home=home,
            traces_uri=_env("FI_TRACES_URI") or str(home / "traces"),
            work_uri=_env("FI_WORK_URI") or str(home / "work"),
            warehouse_url=_env("FI_WAREHOUSE_URL") or f"sqlite:///{home / 'warehouse.db'}",
            s3_endpoint_url=_env("FI_S3_ENDPOINT_URL"),
        )


@dataclass(frozen=True)
class JudgeSecrets:
    api_key: str | None
    base_url: str | None
    model: str | None

    @classmethod
    def from_env(cls) -> JudgeSecrets:
        return cls(_env("OPENAI_API_KEY"), _env("FI_JUDGE_BASE_URL"), _env("FI_JUDGE_MODEL"))

    def __repr__(self) -> str:  # never print the key
        return f"JudgeSecrets(api_key={'***' if self.api_key else None}, model={self.model!r})"


@dataclass(frozen=True)
class SlackSecrets:
    webhook_url: str | None
    bot_token: str | None
    channel: str | None

    @classmethod
    def from_env(cls) -> SlackSecrets:
        return cls(_env("SLACK_WEBHOOK_URL"), _env("SLACK_BOT_TOKEN"), _env("FI_SLACK_CHANNEL"))

    def __repr__(self) -> str:
        return f"SlackSecrets(configured={bool(self.webhook_url or self.bot_token)})"
