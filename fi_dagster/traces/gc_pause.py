"""Pause the cyclic garbage collector while a day is read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Reading creates millions of short-lived, acyclic objects (freed by reference counting);
    the cyclic collector would walk the day's live state (dedupe keys, cohort table) again and
    again for nothing — a third of the ingestion time when measured."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
