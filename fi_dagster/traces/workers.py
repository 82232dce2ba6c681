"""How many processes read a day's files, and running them.

Parallel reading pays when a day has several large files: each worker process reads whole
files (``file_part``) and the parent merges them in key order (``merge_parts``). Workers
re-open the store from its URI (connections are not shared across processes). A daemonic
process (a Celery prefork child, a multiprocessing pool worker) cannot have children: there
the day is read in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from fi_dagster.config import CohortMapping, IngestConfig
from fi_dagster.storage.object_store import ObjectStore
from fi_dagster.traces.file_part import FilePart, PartTask, read_part

AUTO_MAX_WORKERS = 2
# Below this much input, starting processes (up to 1-2 s each) costs more than it saves.
AUTO_MIN_BYTES = 64 * 1024 * 1024


def worker_count(setting: int | Literal["auto"], objects: Sequence[Any], store: Any) -> int:
    """Processes to read ``objects`` (``ObjectInfo``s) of ``store`` with; 1 = in-process."""
    if len(objects) < 2 or multiprocessing.current_process().daemon:
        return 1
    if not isinstance(store, ObjectStore):  # cannot be re-opened in a child from its URI
        return 1
    if setting == "auto":
        if sum(getattr(o, "size", 0) or 0 for o in objects) < AUTO_MIN_BYTES:
            return 1
        setting = min(AUTO_MAX_WORKERS, len(os.sched_getaffinity(0)))
    return max(1, min(setting, len(objects)))


def _endpoint(store: ObjectStore) -> str | None:
    client = getattr(store, "client", None)  # S3Store: keep pointing at the same endpoint
    return getattr(getattr(client, "meta", None), "endpoint_url", None)


def read_parts(
    store: ObjectStore,
    keys: Sequence[str],
    partition_date: str,
    config: IngestConfig,
    mapping: CohortMapping,
    folder: Path,
    workers: int,
) -> Iterator[FilePart]:
    """Each file read apart by ``workers`` processes, yielded in key order."""
    tasks = [
        PartTask(store.root, _endpoint(store), key, n, folder, partition_date, config, mapping)
        for n, key in enumerate(keys)
    ]
    with multiprocessing.get_context(_start_method()).Pool(workers) as pool:
        yield from pool.imap(read_part, tasks)


def _start_method() -> str:
    """Fork when nothing else runs in this process (fast, and a script without a ``__main__``
    guard still works); spawn when threads do (a thread may hold a lock the child would
    inherit locked), which needs the main module to be importable without side effects."""
    return "fork" if threading.active_count() == 1 else "spawn"
