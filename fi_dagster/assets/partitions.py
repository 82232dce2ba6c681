"""One partition per UTC day of traces; the newest partition is yesterday (a complete day)."""

import dagster as dg

from fi_dagster.config import load_config

daily_partitions = dg.DailyPartitionsDefinition(start_date=load_config().partitions_start)
