"""The code location's default executor: a process per step, forked from a preloaded server.

Dagster's multiprocess executor spawns every step as a fresh interpreter that imports dagster,
pandas, scipy and this package again: about 2 s before the step does anything, for each of
the 17 steps of an 800-trace day. With ``forkserver`` and this code location preloaded, a step
forks from a process that has imported all of it once. The nightly job, an asset backfill from
the UI and ``dagster asset materialize`` all run this way; Celery runs use their own executor.
"""

import multiprocessing

import dagster as dg

PRELOADED_MODULES = ["fi_dagster.definitions"]


@dg.configured(
    dg.multiprocess_executor,
    config_schema={
        "max_concurrent": dg.Field(
            dg.Noneable(int),
            default_value=None,
            description="Steps running at once (default: the number of CPUs).",
        )
    },
)
def step_process_executor(config: dict) -> dict:
    """``max_concurrent`` stays configurable per run; the start method is fixed (spawn where
    there is no forkserver, as on Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        start = {"forkserver": {"preload_modules": PRELOADED_MODULES}}
    else:
        start = {"spawn": {}}
    return {"max_concurrent": config["max_concurrent"], "start_method": start}
