"""The nightly graph on Celery workers: each step (ingest, judge shards, tables…) is a task.

Broker settings come from the environment at launch (``CELERY_BROKER_URL``,
``CELERY_RESULT_BACKEND``), never from stored run config, so credentials stay out of the UI.
Workers: ``celery -A fi_dagster.celery_app worker -Q dagster --concurrency 1``.
"""

import dagster as dg
from dagster._core.execution.job_execution_result import JobExecutionResult
from dagster_celery import celery_executor

from fi_dagster.jobs import JUDGE_TAG

celery_nightly_job = dg.define_asset_job(
    "fi_nightly_celery_job",
    selection=dg.AssetSelection.groups("fi_nightly"),
    executor_def=celery_executor.configured(
        {"broker": {"env": "CELERY_BROKER_URL"}, "backend": {"env": "CELERY_RESULT_BACKEND"}},
        name="fi_celery_executor",
    ),
    description="The nightly graph with every step run by a Celery worker.",
    tags={JUDGE_TAG: "llm"},
)


def _nightly_celery_job() -> dg.JobDefinition:
    from fi_dagster.definitions import defs

    return defs.resolve_job_def(celery_nightly_job.name)


def launch_on_celery(partition_date: str, instance: dg.DagsterInstance) -> JobExecutionResult:
    """Run one partition with steps on the workers; blocks until the run finishes."""
    return dg.execute_job(
        dg.reconstructable(_nightly_celery_job),
        instance=instance,
        tags={"dagster/partition": partition_date, "fi_dagster/trigger": "cli-celery"},
        raise_on_error=False,
    )
