"""Alert delivery: Slack (webhook or bot token) from the environment, else a JSON-lines file."""

import os
from pathlib import Path

import dagster as dg

from fi_dagster.alerts.ledger import AlertLedger
from fi_dagster.alerts.sinks import AlertSink, sink_from_env
from fi_dagster.settings import SlackSecrets, fi_home
from fi_dagster.warehouse.store import Warehouse


class AlertsResource(dg.ConfigurableResource):
    """Alerts go to ``file_path`` (default ``$FI_HOME/alerts.jsonl``) if no Slack secret is set."""

    file_path: str | None = None
    slack_api_url: str | None = None
    offline: bool = False  # demo: never post, whatever the environment says

    def sink(self) -> AlertSink:
        fallback = Path(self.file_path or fi_home() / "alerts.jsonl")
        secrets = SlackSecrets(None, None, None) if self.offline else SlackSecrets.from_env()
        return sink_from_env(secrets, fallback, self.slack_api_url)

    def ledger(self, warehouse: Warehouse) -> AlertLedger:
        return AlertLedger(warehouse.engine, warehouse.table("fi_alerts"))

    @staticmethod
    def dagster_url() -> str | None:
        return os.environ.get("FI_DAGSTER_URL") or None
