"""litemongo's SQLite store with a decoded-document cache that stays coherent across processes.

litemongo keeps one SQLite file per collection and an in-process hash index per collection that it
rebuilds whenever ``PRAGMA data_version`` says another connection (possibly another process: the web
process and the Celery worker share the files) has committed a change. Every query still reads and
BSON-decodes all its candidate documents from SQLite.

:class:`CollectionStore` adds a cache of the decoded documents (encoded key → document, in natural
order), used only by read-only queries (:meth:`CollectionStore.readonly_candidates`):

* it is filled in one pass the first time a count or a sorted query needs ``cache_after`` or more
  candidates (small lookups keep reading from SQLite) and only while the collection's BSON stays under
  ``max_cache_bytes``; from then on it is kept loaded (and refreshed after changes by others);
* writes through this connection update it (the document is stored as it reads back from its BSON);
* any commit by another connection changes ``PRAGMA data_version``; the next query then compares the
  stored BSON of every document with the cached bytes and decodes and re-indexes only what changed
  (hash index included), instead of litemongo's full rebuild. If the natural order changed in a way
  that appends cannot express, cache and hash index are dropped and rebuilt from one pass.

The cached documents are shared: callers must not change them (the client's read paths copy what they
return). Writes, updates and deletes keep using litemongo's own path, which reads fresh copies.
"""

from __future__ import annotations

import pathlib

import bson
from litemongo import sqlite_store

#: a read-only query with at least this many candidates switches the collection to the cache
CACHE_AFTER_CANDIDATES = 500
#: collections whose documents take more BSON bytes than this are not cached (read from SQLite as before);
#: decoded documents plus their BSON take about 7-8 times the BSON size (24,000 customers: ~12 MB → ~90 MB)
MAX_CACHE_BYTES = 32 * 1024 * 1024


class ServerStore(sqlite_store.ServerStore):
    """litemongo's SQLite server store whose collections keep a coherent document cache."""

    def __init__(self, dirpath: str | pathlib.Path = "", *, cache_after: int = CACHE_AFTER_CANDIDATES,
                 max_cache_bytes: int = MAX_CACHE_BYTES):
        super().__init__(dirpath)
        self._cache_options = {"cache_after": cache_after, "max_cache_bytes": max_cache_bytes}

    def __getitem__(self, db_name) -> DatabaseStore:
        if db_name not in self._databases:
            self._databases[db_name] = DatabaseStore(self._dirpath / db_name, **self._cache_options)
        return self._databases[db_name]


class DatabaseStore(sqlite_store.DatabaseStore):
    def __init__(self, path: pathlib.Path, codec_options: bson.CodecOptions | None = None, **cache_options):
        super().__init__(path, codec_options)
        self._cache_options = cache_options

    def __getitem__(self, col_name) -> CollectionStore:
        if col_name not in self._collections:
            self._collections[col_name] = CollectionStore(
                self._dirpath / col_name, codec_options=self._codec_options, **self._cache_options)
        return self._collections[col_name]


class CollectionStore(sqlite_store.CollectionStore):
    """One collection file, plus the decoded documents while they are known to match the file."""

    #: encoded key → decoded document, in natural (ROWID) order; None while not loaded
    _docs: dict | None = None
    #: encoded key → the document's BSON as stored in the file (shows what other connections changed)
    _blobs: dict | None = None
    #: an upper bound of the cached documents' BSON size (exact after a load or refresh, grows with writes)
    _docs_bytes = 0
    #: a count or sorted query needed many candidates: keep the cache loaded from now on
    _docs_wanted = False
    #: the collection was too large to cache (tried again after the next change by another connection)
    _docs_refused = False

    def __init__(self, filename: pathlib.Path, codec_options: bson.CodecOptions | None = None, *,
                 cache_after: int = CACHE_AFTER_CANDIDATES, max_cache_bytes: int = MAX_CACHE_BYTES):
        self._cache_after = cache_after
        self._max_cache_bytes = max_cache_bytes
        super().__init__(filename, codec_options=codec_options)

    # --- keeping the cache coherent ----------------------------------------------------------
    def _forget_documents(self) -> None:
        self._docs = self._blobs = None
        self._docs_bytes = 0
        self._docs_refused = False

    def open(self):
        super().open()
        self._forget_documents()

    def close(self):
        super().close()
        self._forget_documents()

    def drop(self):
        super().drop()
        self._forget_documents()

    def copy_from(self, source):
        super().copy_from(source)
        self._forget_documents()

    def _sync(self) -> bool:
        """Catch up with commits of other connections; True if the hash index must be rebuilt.

        ``PRAGMA data_version`` changes only for commits of *other* connections (other processes
        included); our own writes go through ``__setitem__``/``__delitem__`` and update everything.
        With the cache loaded, only the documents whose stored BSON changed are decoded and
        re-indexed; otherwise (or if that is not possible) the hash index is dropped, as litemongo does."""
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return False
        self._data_version = version
        if self._docs is not None and self._refresh_documents():
            return False
        self._query_index = None
        self._forget_documents()
        return True

    def _query_index_is_stale(self) -> bool:  # litemongo's hook, called on every query
        return self._sync()

    def _rows(self):
        table, key_col, doc_col = self.DOCUMENTS, sqlite_store.TableDict.ID, sqlite_store.TableDict.DOC
        # (names are litemongo's constants, not input)
        return self._connection.execute(f"SELECT {key_col}, {doc_col} FROM {table} ORDER BY ROWID")  # noqa: S608

    def _refresh_documents(self) -> bool:
        """Compare every stored BSON blob with the cached one; decode and re-index only what changed.

        False when the natural order changed in a way appends cannot express (a document deleted and
        inserted again) or the collection outgrew the budget: then the caller drops cache and index."""
        docs, blobs, index = self._docs, self._blobs, self._query_index
        rows = self._rows().fetchall()
        size = sum(len(blob) for _, blob in rows)
        if size > self._max_cache_bytes:
            return False
        order = [key for key, _ in rows]
        present = set(order)
        if order != [key for key in docs if key in present] + [key for key in order if key not in blobs]:
            return False
        for key in blobs.keys() - present:
            del docs[key], blobs[key]
            if index is not None:
                index.remove(key)
        decode = self._documents._decode_doc
        for key, blob in rows:
            if blobs.get(key) != blob:
                docs[key], blobs[key] = decode(blob), blob
                if index is not None:
                    index.add(key, docs[key])
        self._docs_bytes = size
        return True

    def __setitem__(self, key, val):
        super().__setitem__(key, val)
        if self._docs is not None:
            encoded = self._documents._encode_doc(val)  # the bytes just written
            self._docs_bytes += len(encoded)
            if self._docs_bytes > self._max_cache_bytes:
                self._forget_documents()  # reloaded (and measured exactly) by the next read-only query
            else:
                # the document as it reads back from the file, independent of the caller's dict
                key = self._index_key(key)
                self._docs[key], self._blobs[key] = self._documents._decode_doc(encoded), encoded

    def __delitem__(self, key):
        super().__delitem__(key)
        if self._docs is not None:
            key = self._index_key(key)
            self._docs.pop(key, None)
            self._blobs.pop(key, None)

    def _iter_items(self):
        # litemongo builds its hash index from these: use the cache when it is loaded (one pass, not two)
        if self._docs is not None:
            yield from list(self._docs.items())
        else:
            yield from super()._iter_items()

    def _load_documents(self) -> bool:
        """Read and decode the whole file once (unless it is larger than the budget)."""
        table, doc_col = self.DOCUMENTS, sqlite_store.TableDict.DOC
        size = self._connection.execute(f"SELECT total(length({doc_col})) FROM {table}").fetchone()[0]  # noqa: S608
        if size > self._max_cache_bytes:
            self._docs_refused = True
            return False
        decode = self._documents._decode_doc
        self._blobs = dict(self._rows().fetchall())
        self._docs = {key: decode(blob) for key, blob in self._blobs.items()}
        self._docs_bytes = int(size)
        # The hash index (if any) matches the file as of the last _sync() plus our own writes. A commit
        # by another connection after that is seen by the next _sync(), which refreshes both; until then
        # a query sees each document either before or after that commit, as litemongo's own path does.
        return True

    @property
    def documents_cached(self) -> bool:
        return self._docs is not None

    # --- the read-only query path ------------------------------------------------------------
    def readonly_candidates(self, filter, *, may_load: bool = True):
        """The documents, in natural order, that could match ``filter`` (the caller still filters).

        They may be the cached objects themselves: the caller must not modify them. ``may_load``: this
        query may switch the collection to the cache (counts and sorted queries do; a plain scan such
        as a one-off backfill at start-up reads from SQLite unless the cache is loaded already)."""
        self._remove_expired_documents()
        self._sync()
        if self._docs is None and self._docs_wanted and not self._docs_refused:
            self._load_documents()
        query_index = self._get_query_index()
        keys = query_index.candidates(filter)
        if self._docs is None:
            if may_load and not self._docs_refused and (keys is None or len(keys) >= self._cache_after):
                self._docs_wanted = True
                if self._load_documents():
                    query_index = self._get_query_index()
                    keys = query_index.candidates(filter)
            if self._docs is None:  # small lookup, too large to cache, or changed meanwhile
                # litemongo's own path: fresh documents from SQLite
                return self.documents if keys is None else self._get_many(query_index.in_natural_order(keys))
        docs = self._docs
        if keys is None:
            return list(docs.values())
        if len(keys) * 8 >= len(docs):  # many candidates: one ordered pass beats sorting the keys
            return [doc for key, doc in docs.items() if key in keys]
        found = map(docs.get, query_index.in_natural_order(keys))
        return [doc for doc in found if doc is not None]
