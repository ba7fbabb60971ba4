"""Tuning of the long-running processes (``frontdesk run``'s web process, the Celery worker, gunicorn).

Python's cyclic garbage collector runs a full collection from time to time, and a full collection walks
every tracked object of the process: the modules, the app, the embedded store's decoded-document cache,
mongoengine's documents. A request that happens to trigger one waits for that walk (bench/booking.py
measured the planning assistant's slowest requests to be exactly these). :func:`tune_gc`, called once
start-up is done:

* collects once and then freezes what is alive (``gc.freeze()``): those objects (start-up state that
  lives as long as the process) move to a permanent generation that no collection walks again;
* raises the first generation's threshold from 700 to ``GEN0_THRESHOLD`` allocations: a request
  allocates many short-lived containers, freed by reference counting anyway; collections (and the full
  ones they lead to) come far less often. Cyclic garbage waits a little longer: bench/booking.py measured
  what that costs in memory (bench/README.md).

Nothing else changes: the collector stays on, and objects made later are collected as before.
"""

from __future__ import annotations

import gc

#: allocations (minus deallocations) of tracked objects between two young-generation collections
GEN0_THRESHOLD = 50_000


def tune_gc() -> dict:
    """Freeze the start-up objects and raise the young generation's threshold (module docstring); returns
    what it did (frozen objects, thresholds) for the start-up output. Calling it again freezes what has
    been added since."""
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    return {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
