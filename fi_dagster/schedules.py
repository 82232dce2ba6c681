"""Every night, evaluate yesterday's partition (the newest complete day)."""

import dagster as dg

from fi_dagster.config import load_config
from fi_dagster.jobs import nightly_job

nightly_schedule = dg.build_schedule_from_partitioned_job(
    nightly_job,
    name="fi_nightly_schedule",
    hour_of_day=load_config().schedule_hour,
    minute_of_hour=0,
    description="Materializes yesterday's partition of the nightly graph (UTC).",
)
