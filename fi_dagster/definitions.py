"""The one Definitions object: ``dagster dev`` and ``dagster asset materialize`` load this."""

import warnings

import dagster as dg

from fi_dagster.assets import nightly_assets
from fi_dagster.assets.checks import regression_checks
from fi_dagster.assets.span_checks import span_checks
from fi_dagster.distributed import celery_nightly_job
from fi_dagster.executor import step_process_executor
from fi_dagster.jobs import nightly_job
from fi_dagster.resources import (
    AlertsResource,
    FiConfigResource,
    JudgeResource,
    ObjectStoresResource,
    ParquetIOManager,
    WarehouseIOManager,
    WarehouseResource,
)
from fi_dagster.schedules import nightly_schedule
from fi_dagster.sensors import (
    alert_retry_sensor,
    late_data_sensor,
    regressions_alert_sensor,
    run_failure_sensor,
)


def default_resources() -> dict:
    """Everything unset falls back to the environment (see README → Configuration)."""
    return {
        "stores": ObjectStoresResource(),
        "warehouse": WarehouseResource(),
        "judge": JudgeResource(),
        "alerts": AlertsResource(),
        "fi_config": FiConfigResource(),
        "parquet_io_manager": ParquetIOManager(),
        "warehouse_io_manager": WarehouseIOManager(),
    }


# The jobs run one day per run; only fi_regressions takes a backfill's days in one run (see
# assets/regressions.py), which is what Dagster's warning about mixed policies describes.
warnings.filterwarnings("ignore", message=r"Asset job fi_nightly\w* materializes assets with var")

defs = dg.Definitions(
    assets=nightly_assets,
    asset_checks=[*regression_checks, *span_checks],
    jobs=[nightly_job, celery_nightly_job],
    schedules=[nightly_schedule],
    sensors=[regressions_alert_sensor, alert_retry_sensor, run_failure_sensor, late_data_sensor],
    resources=default_resources(),
    executor=step_process_executor,
)
