"""The YAML configuration, loaded when a run starts (so edits apply without a redeploy)."""

import dagster as dg

from fi_dagster.config import FiConfig, load_config


class FiConfigResource(dg.ConfigurableResource):
    """``path`` defaults to ``$FI_CONFIG`` or ``./fi_dagster.yaml``, else built-in defaults."""

    path: str | None = None

    def load(self) -> FiConfig:
        return load_config(self.path)
