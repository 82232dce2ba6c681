"""Trace files landing in a partition after it was evaluated: a fingerprint of its listing.

Core code (no Dagster): the late-data sensor compares fingerprints between ticks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fi_dagster.storage.object_store import ObjectStore
from fi_dagster.traces.files import file_format, partition_prefix


@dataclass(frozen=True)
class Listing:
    files: int
    fingerprint: str  # changes when a trace file is added, removed or changes size


def partition_listing(store: ObjectStore, partition_date: str) -> Listing:
    """The trace files under ``dt=<partition_date>/`` (other objects are ignored)."""
    objects = [o for o in store.list(partition_prefix(partition_date)) if file_format(o.key)]
    digest = hashlib.sha256()
    for info in sorted(objects, key=lambda o: o.key):
        digest.update(f"{info.key}\t{info.size}\n".encode())
    return Listing(len(objects), digest.hexdigest()[:16])
