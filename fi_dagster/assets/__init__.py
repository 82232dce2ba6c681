"""The nightly graph's assets, in data-flow order; each body calls the core in a few lines."""

from fi_dagster.assets.alerts import fi_alerts
from fi_dagster.assets.evaluate import fi_eval_results
from fi_dagster.assets.ingest import normalized_spans
from fi_dagster.assets.regressions import fi_regressions, fi_step_daily
from fi_dagster.assets.report import fi_daily_report
from fi_dagster.assets.sample import cohort_sample, trace_facts
from fi_dagster.assets.tables import fi_cost_daily, fi_latency_daily, fi_quality_daily

nightly_assets = [
    normalized_spans,
    trace_facts,
    cohort_sample,
    fi_eval_results,
    fi_quality_daily,
    fi_cost_daily,
    fi_latency_daily,
    fi_step_daily,
    fi_regressions,
    fi_alerts,
    fi_daily_report,
]
