"""Dagster resources: thin handles on the core's stores, warehouse, judge and alert sinks."""

from fi_dagster.resources.alerts import AlertsResource
from fi_dagster.resources.config import FiConfigResource
from fi_dagster.resources.io_managers import ParquetIOManager, WarehouseIOManager
from fi_dagster.resources.judge import JudgeResource
from fi_dagster.resources.stores import ObjectStoresResource
from fi_dagster.resources.warehouse import WarehouseResource

__all__ = [
    "AlertsResource",
    "FiConfigResource",
    "JudgeResource",
    "ObjectStoresResource",
    "ParquetIOManager",
    "WarehouseIOManager",
    "WarehouseResource",
]
