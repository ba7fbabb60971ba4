"""The embedded store: litemongo (mongomock's engine on SQLite files) made fast enough for the admin lists.

litemongo reads and BSON-decodes every candidate document from SQLite for every query, and mongomock sorts
with a slow BSON comparator and copies every result before it applies skip/limit. This package keeps
litemongo's files, formats and cross-process behaviour, and adds

* :mod:`core.embedded.store` — a decoded-document cache per collection, coherent across connections and
  processes through SQLite's ``PRAGMA data_version`` and a change log per file (triggers), which also keeps
  litemongo's hash indexes current by re-indexing only what others changed;
* :mod:`core.embedded.client` — a client whose collections answer ``count_documents`` and cursors
  (filter, sort, skip, limit) from that cache, with a fast path for simple equality filters and
  plain sort keys, and copy only the requested page.

Both are safe when the threads of one process and several processes use the same files at once: each
collection's connection is shared by the threads behind one lock, and every write operation is one SQLite
transaction holding the file's write lock from its read to its write (see the store's docstring).

Results are the ones the unmodified litemongo path gives (same filter semantics, same order including
ties); tests/core/test_embedded_store_cache.py compares them.
"""

from core.embedded.client import MongoClient
from core.embedded.store import ServerStore

__all__ = ["MongoClient", "ServerStore"]
