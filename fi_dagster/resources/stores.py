"""Object stores: the traces bucket (read) and fi_dagster's work area (intermediates)."""

import dagster as dg

from fi_dagster.settings import Settings
from fi_dagster.storage.object_store import ObjectStore, open_store


class ObjectStoresResource(dg.ConfigurableResource):
    """Unset fields fall back to ``FI_TRACES_URI``, ``FI_WORK_URI``, ``FI_S3_ENDPOINT_URL``."""

    traces_uri: str | None = None
    work_uri: str | None = None
    s3_endpoint_url: str | None = None

    def _settings(self) -> Settings:
        return Settings.from_env()

    def traces(self) -> ObjectStore:
        s = self._settings()
        return open_store(self.traces_uri or s.traces_uri, endpoint_url=self._endpoint(s))

    def work(self) -> ObjectStore:
        s = self._settings()
        return open_store(self.work_uri or s.work_uri, endpoint_url=self._endpoint(s))

    def quarantine(self) -> ObjectStore:
        s = self._settings()
        root = (self.work_uri or s.work_uri).rstrip("/") + "/quarantine"
        return open_store(root, endpoint_url=self._endpoint(s))

    def _endpoint(self, s: Settings) -> str | None:
        return self.s3_endpoint_url or s.s3_endpoint_url
