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
* any commit by another connection changes ``PRAGMA data_version``; the next query then reads the
  file's change log (a table that SQLite triggers fill for every row written or deleted, by any
  connection, plain litemongo included) from where it last looked, and reads, decodes and re-indexes
  only the documents named there — in the hash index of every collection (cached or not) and in the
  cache — instead of litemongo's full rebuild (two Celery workers sending reminders made each other
  rebuild the index of 10,000 deliveries after every commit). A connection that lags behind the log's
  trimmed start compares the stored BSON of every document with the cached bytes instead, or (no cache,
  or a natural order that appends cannot express) drops cache and hash index and rebuilds them.

The cached documents are shared: callers must not change them (the client's read paths copy what they
return). Writes, updates and deletes keep using litemongo's own path, which reads fresh copies.

Threads and processes (litemongo opens one connection per collection for the thread that created it,
and guards read-check-write only with in-process locks):

* one SQLite connection per collection and process, opened with ``check_same_thread=False`` and
  guarded by one re-entrant lock per collection (:attr:`CollectionStore.lock`), which also stands in
  for mongomock's reader/writer lock: every use of the connection, its shared cursor, the hash index
  and the cache happens under it, and read paths hand out lists, not generators over the connection.
  One connection per thread was the alternative; it would give every thread its own ``data_version``
  and so make the shared cache refresh after every write of a sibling thread (a full pass over the
  collection's blobs) — the cache is what keeps the admin lists fast;
* :meth:`CollectionStore.transaction` holds that lock and SQLite's write lock (``BEGIN IMMEDIATE``)
  for a whole operation, catching up with other processes' commits (``data_version``) only once the
  write lock is held. The client runs every write (insert, update, replace, delete, find-and-modify,
  index creation) as one such transaction, so the read, the check (filter, unique index) and the
  write see one state of the file that no other connection can change in between;
* the connection runs in autocommit mode (``isolation_level=None``): transactions are only the explicit
  ones above. Row writes go through :class:`_Rows`, not litemongo's ``with connection:`` (which would
  commit the enclosing transaction after the first row);
* WAL journal with ``synchronous=FULL``: a commit returns once it is in the write-ahead log and synced,
  so an acknowledged write survives a killed process (WAL alone ensures that) and a power cut (the sync;
  with litemongo's NORMAL the last commits could be lost, like an unjournaled MongoDB write). An
  interrupted transaction is rolled back by SQLite, never seen half-written.
"""

from __future__ import annotations

import contextlib
import pathlib
import sqlite3
import threading
import time

import bson
from litemongo import sqlite_store
from pymongo.errors import PyMongoError

#: query results kept per collection by :meth:`CollectionStore.memo` (all dropped when it is full)
MEMO_ENTRIES = 64
#: a read-only query with at least this many candidates switches the collection to the cache
CACHE_AFTER_CANDIDATES = 500
#: collections whose documents take more BSON bytes than this are not cached (read from SQLite as before);
#: decoded documents plus their BSON take about 7-8 times the BSON size (24,000 customers: ~12 MB → ~90 MB)
MAX_CACHE_BYTES = 32 * 1024 * 1024
#: seconds a connection waits for another process's write transaction before giving up ("database is locked")
BUSY_TIMEOUT = 30.0
#: entries of a collection's change log kept for connections that lag behind (trimmed at twice this many);
#: a connection further behind rebuilds its hash index and cache from the whole file, as litemongo does
CHANGE_LOG_KEEP = 20_000


#: the table of a collection file's change log (see :meth:`CollectionStore._init_change_log`)
CHANGES = "changes"


class ServerStore(sqlite_store.ServerStore):
    """litemongo's SQLite server store whose collections keep a coherent document cache."""

    def __init__(self, dirpath: str | pathlib.Path = "", *, cache_after: int = CACHE_AFTER_CANDIDATES,
                 max_cache_bytes: int = MAX_CACHE_BYTES):
        pathlib.Path(dirpath).absolute().mkdir(parents=True, exist_ok=True)  # another process may create it too
        super().__init__(dirpath)
        self._cache_options = {"cache_after": cache_after, "max_cache_bytes": max_cache_bytes}
        self._lock = threading.Lock()

    def __getitem__(self, db_name) -> DatabaseStore:
        with self._lock:  # two threads must not open the same database twice
            if db_name not in self._databases:
                self._databases[db_name] = DatabaseStore(self._dirpath / db_name, **self._cache_options)
            return self._databases[db_name]


class DatabaseStore(sqlite_store.DatabaseStore):
    def __init__(self, path: pathlib.Path, codec_options: bson.CodecOptions | None = None, **cache_options):
        path.absolute().mkdir(parents=True, exist_ok=True)
        super().__init__(path, codec_options)
        self._cache_options = cache_options
        self._lock = threading.Lock()

    def __getitem__(self, col_name) -> CollectionStore:
        with self._lock:  # one store (connection, lock, cache) per collection and process
            if col_name not in self._collections:
                self._collections[col_name] = CollectionStore(
                    self._dirpath / col_name, codec_options=self._codec_options, **self._cache_options)
            return self._collections[col_name]


class _Exclusive:
    """Stands in for mongomock's reader/writer lock: both sides take the collection's one lock, so
    mongomock's and litemongo's own locking nests inside ours instead of ordering against it."""

    def __init__(self, lock: threading.RLock):
        self._lock = lock

    def reader(self) -> threading.RLock:
        return self._lock

    def writer(self) -> threading.RLock:
        return self._lock


class _Rows:
    """Reads and writes of litemongo's tables, safe with the connection shared between threads.

    Every statement runs under the collection's lock (the cursor is shared); iterations are read
    completely before the lock is released; writes run in the collection's transaction, which commits
    them (litemongo's ``with connection:`` would commit an enclosing transaction halfway)."""

    def __init__(self, *args, lock: threading.RLock, transaction, **kwargs):
        self._lock, self._transaction = lock, transaction
        super().__init__(*args, **kwargs)

    def _put(self, key, val) -> None:
        key = self.encode_key(key)
        if not isinstance(val, bytes):
            val = self._encode_doc(val)
        with self._transaction():
            self._connection.execute(
                f"INSERT INTO {self._table_name} VALUES(?, ?) "
                f"ON CONFLICT({self.ID}) DO UPDATE SET {self.DOC}=excluded.{self.DOC}", (key, val))

    def _remove(self, key) -> None:
        key = self.encode_key(key)
        with self._transaction():
            deleted = self._connection.execute(
                f"DELETE FROM {self._table_name} WHERE {self.ID}=?", (key,)).rowcount  # noqa: S608
        if deleted <= 0:
            raise KeyError(key)


class _Documents(_Rows, sqlite_store.TableDict):
    def __len__(self) -> int:
        with self._lock:
            return super().__len__()

    def __bool__(self) -> bool:
        with self._lock:
            return super().__bool__()

    def __contains__(self, key) -> bool:
        with self._lock:
            return super().__contains__(key)

    def __getitem__(self, key):
        with self._lock:
            return super().__getitem__(key)

    def __iter__(self):
        with self._lock:
            return iter(list(super().__iter__()))

    def values(self) -> list:
        with self._lock:
            return list(super().values())

    def items(self) -> list:
        with self._lock:
            return list(super().items())

    def get_many_encoded(self, keys: list) -> list:
        with self._lock:
            return list(super().get_many_encoded(keys))

    def __setitem__(self, key, val) -> None:
        self._put(key, val)

    def __delitem__(self, key) -> None:
        self._remove(key)


class _Indexes(_Rows, sqlite_store.IndexDict):
    def _get_cache(self) -> dict:
        with self._lock:
            return super()._get_cache()

    def __setitem__(self, key, val) -> None:
        try:
            self._put(key, val)
        finally:
            self.invalidate()

    def __delitem__(self, key) -> None:
        try:
            self._remove(key)
        finally:
            self.invalidate()


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
    #: nesting depth of :meth:`transaction` (0: none open)
    _depth = 0
    #: the change log's ``seq`` up to which hash index and cache (whichever exist) reflect the file;
    #: None: unknown (nothing derived yet, or a rollback)
    _seen: int | None = None
    #: moves on with every change of what queries can see: a write through this store, a catch-up with
    #: other connections' commits, a dropped cache; :meth:`memo` entries of an older generation are dead
    _generation = 0

    def __init__(self, filename: pathlib.Path, codec_options: bson.CodecOptions | None = None, *,
                 cache_after: int = CACHE_AFTER_CANDIDATES, max_cache_bytes: int = MAX_CACHE_BYTES):
        self._cache_after = cache_after
        self._max_cache_bytes = max_cache_bytes
        #: guards the connection, its cursor, the hash index and the cache (re-entrant: operations nest)
        self.lock = threading.RLock()
        #: query key → (generation, result): counts and sorted pages that no change has touched since
        self._memo: dict = {}
        super().__init__(filename, codec_options=codec_options)
        self._rwlock = _Exclusive(self.lock)

    # --- the connection and transactions ------------------------------------------------------
    def open(self):
        """litemongo's ``open`` with a connection that threads may share and explicit transactions."""
        with self.lock:
            self._connection = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                               check_same_thread=False)
            self._use_wal()
            self._connection.execute("PRAGMA synchronous=FULL")
            self._cur = self._connection.cursor()
            with self._immediate():  # two processes creating the file must not both record its format
                key_format = self._init_info()
            self._documents, self.indexes = (
                cls(name, self._connection, self._cur, codec_options=self._codec_options, key_format=key_format,
                    lock=self.lock, transaction=self.transaction)
                for cls, name in ((_Documents, self.DOCUMENTS), (_Indexes, self.INDEXES)))
            with self._immediate():
                self._init_change_log()
            row = self._connection.execute(
                f"SELECT value FROM {self.INFO} WHERE key = 'force_created'").fetchone()  # noqa: S608
            self._is_force_created = bool(row and row[0])
            self._ttl_indexes = {name: index for name, index in self.indexes.items()
                                 if index.get("expireAfterSeconds") is not None}
            self._query_index = None
            self._data_version = None
            self._seen = None
            self._forget_documents()

    def _init_change_log(self) -> None:
        """The file's change log: SQLite triggers record the key of every row written to or deleted from
        the documents table, by any connection of any process (unmodified litemongo included: the
        triggers are part of the file's schema), in commit order (``seq``, never reused). ``op``: ``i``
        inserted (a new ROWID: the end of the natural order), ``u`` updated in place, ``d`` deleted,
        ``r`` the row's key changed."""
        documents, key = self.DOCUMENTS, sqlite_store.TableDict.ID
        # (the names are module constants and litemongo's, not input)
        for statement in (
            f"CREATE TABLE IF NOT EXISTS {CHANGES}(seq INTEGER PRIMARY KEY AUTOINCREMENT, key, op TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {CHANGES}_trimmed(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER)",
            f"CREATE TRIGGER IF NOT EXISTS {CHANGES}_insert AFTER INSERT ON {documents} "  # noqa: S608
            f"BEGIN INSERT INTO {CHANGES}(key, op) VALUES (NEW.{key}, 'i'); END",
            f"CREATE TRIGGER IF NOT EXISTS {CHANGES}_update AFTER UPDATE ON {documents} "  # noqa: S608
            f"WHEN OLD.{key} IS NEW.{key} BEGIN INSERT INTO {CHANGES}(key, op) VALUES (NEW.{key}, 'u'); END",
            # litemongo never changes a row's key; if something did, the row would keep its ROWID (its place
            # in the natural order), which the catch-up cannot express: ``r`` makes readers rebuild
            f"CREATE TRIGGER IF NOT EXISTS {CHANGES}_rekey AFTER UPDATE ON {documents} "  # noqa: S608
            f"WHEN OLD.{key} IS NOT NEW.{key} "
            f"BEGIN INSERT INTO {CHANGES}(key, op) VALUES (OLD.{key}, 'r'), (NEW.{key}, 'r'); END",
            f"CREATE TRIGGER IF NOT EXISTS {CHANGES}_delete AFTER DELETE ON {documents} "  # noqa: S608
            f"BEGIN INSERT INTO {CHANGES}(key, op) VALUES (OLD.{key}, 'd'); END",
        ):
            self._connection.execute(statement)

    def _last_change(self) -> int:
        """The ``seq`` of the latest change recorded in the file (0: none yet)."""
        row = self._connection.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (CHANGES,)).fetchone()
        return row[0] if row else 0

    def _trim_change_log(self, last: int) -> None:
        """Keep the change log short (in a write transaction of ours): drop all but the latest
        :data:`CHANGE_LOG_KEEP` entries once it holds twice as many, and record up to where."""
        trimmed = self._connection.execute(f"SELECT seq FROM {CHANGES}_trimmed").fetchone()  # noqa: S608
        if last - (trimmed[0] if trimmed else 0) < 2 * CHANGE_LOG_KEEP:
            return
        cut = last - CHANGE_LOG_KEEP
        self._connection.execute(f"DELETE FROM {CHANGES} WHERE seq <= ?", (cut,))  # noqa: S608
        self._connection.execute(f"INSERT INTO {CHANGES}_trimmed VALUES (1, ?) "  # noqa: S608
                                 "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq", (cut,))

    def _use_wal(self) -> None:
        """Switch the file to WAL (once per file; later connections find it so). On a new file opened by
        several processes at once SQLite refuses the switch while another connection holds a lock,
        without waiting (its busy handler is not used there): retry until BUSY_TIMEOUT."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                mode = self._connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            else:
                if mode == "wal":
                    return
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError(f"{self._path.name}: journal mode {mode}, not wal")
            time.sleep(0.005)

    @contextlib.contextmanager
    def _immediate(self):
        """The lock and SQLite's write lock (``BEGIN IMMEDIATE``) until the block ends; commits, or rolls
        back on an exception other than a MongoDB error (mongomock undoes its own failed writes first,
        and keeps what MongoDB keeps: the documents an ``insert_many`` wrote before a duplicate)."""
        with self.lock:
            self._connection.execute("BEGIN IMMEDIATE")  # waits up to BUSY_TIMEOUT for other writers
            try:
                yield
            except PyMongoError:
                self._commit()
                raise
            except BaseException:
                self._finish("ROLLBACK")
                raise
            self._commit()

    def _commit(self) -> None:
        """Commit the write transaction. Every change logged since the transaction's catch-up is one of
        its own (the write lock was held throughout), and its writes updated the hash index and the cache
        themselves: they count as seen."""
        if self._seen is not None and self._connection.in_transaction:
            last = self._last_change()
            self._trim_change_log(last)
            self._seen = last
        self._finish("COMMIT")

    def _finish(self, statement: str) -> None:
        # litemongo's ``with connection:`` blocks (create, drop, copy_from) may have committed already
        if self._connection.in_transaction:
            try:
                self._connection.execute(statement)
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                self._reset()
                raise
        if statement == "ROLLBACK":
            self._reset()

    def _reset(self) -> None:
        """After a rollback the file is the truth again: drop what was derived from the undone writes."""
        self._generation += 1
        self._query_index = None
        self._data_version = None
        self._seen = None
        self._forget_documents()
        if self.indexes is not None:
            self.indexes.invalidate()

    @contextlib.contextmanager
    def transaction(self):
        """Run the block as one atomic read-check-write against every thread and process.

        The outermost call takes the lock and SQLite's write lock, then catches up with other
        connections' commits (hash index, cache, index specifications), so what the block reads is
        the file's latest state and stays so until it commits. Nested calls join the open transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._immediate():
                self._depth = 1
                try:
                    self._sync()
                    yield
                finally:
                    self._depth = 0

    def create(self):
        with self.transaction():
            super().create()

    def drop(self):
        with self.transaction():
            super().drop()
            self._forget_documents()

    def copy_from(self, source):
        with self.transaction(), source.lock:
            super().copy_from(source)
            self._forget_documents()

    def create_index(self, index_name, index_dict):
        with self.transaction():
            super().create_index(index_name, index_dict)

    def drop_index(self, index_name):
        with self.transaction():
            super().drop_index(index_name)

    # --- reads under the lock ----------------------------------------------------------------
    def __contains__(self, key):
        with self.lock:
            return super().__contains__(key)

    def __getitem__(self, key):
        with self.lock:
            return super().__getitem__(key)

    def __len__(self) -> int:
        with self.lock:
            return super().__len__()

    @property
    def is_empty(self):
        with self.lock:
            return super().is_empty

    @property
    def is_created(self):
        with self.lock:
            return super().is_created

    @property
    def documents(self):
        with self.lock:
            self._remove_expired_documents()
            docs = self._documents.values()
        return (doc for doc in docs)  # a generator: mongomock's create_index throws into it

    def find_candidates(self, filter):
        with self.lock:
            return list(super().find_candidates(filter))

    def _remove_expired_documents(self):
        if self._ttl_indexes:
            with self.lock:
                super()._remove_expired_documents()

    # --- keeping the cache coherent ----------------------------------------------------------
    def _forget_documents(self) -> None:
        self._generation += 1
        self._docs = self._blobs = None
        self._docs_bytes = 0
        self._docs_refused = False

    def close(self):
        with self.lock:
            super().close()
            self._forget_documents()

    def _sync(self) -> bool:
        """Catch up with commits of other connections; True if the hash index must be rebuilt.

        ``PRAGMA data_version`` changes only for commits of *other* connections (other processes
        included); our own writes go through ``__setitem__``/``__delitem__`` and update everything.
        After such a commit the change log names the documents written or deleted since we last looked:
        only those are read, decoded and re-indexed (hash index and cache alike), in one read snapshot.
        If the log cannot say (we lag behind its trimmed start), a loaded cache compares every stored
        BSON blob instead; failing that, hash index and cache are dropped and rebuilt, as litemongo does."""
        with self._snapshot():
            version = self._connection.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return False
            self._data_version = version
            self._generation += 1
            if self._catch_up():
                return False
            last = self._last_change()  # what the rebuild below (and a full refresh) will reflect at least
            if self._docs is not None and self._refresh_documents():
                self._seen = last
                return False
            self._query_index = None
            self._forget_documents()
            self._seen = last
            return True

    @contextlib.contextmanager
    def _snapshot(self):
        """One read transaction (a consistent snapshot of the file) for the block, unless a transaction
        is open already (then that one is the snapshot)."""
        if self._connection.in_transaction:
            yield
            return
        self._connection.execute("BEGIN")
        try:
            yield
        finally:
            if self._connection.in_transaction:
                self._connection.execute("COMMIT")  # a read transaction: ends the snapshot

    def _catch_up(self) -> bool:
        """Apply the logged changes after :attr:`_seen` to the hash index and the cache; False when
        the log cannot tell (nothing derived yet, or the entries were trimmed)."""
        index, docs, blobs = self._query_index, self._docs, self._blobs
        if self._seen is None or (index is None and docs is None):
            return False
        trimmed = self._connection.execute(f"SELECT seq FROM {CHANGES}_trimmed").fetchone()  # noqa: S608
        if trimmed is not None and trimmed[0] > self._seen:
            return False
        changes = self._connection.execute(
            f"SELECT seq, key, op FROM {CHANGES} WHERE seq > ? ORDER BY seq", (self._seen,)).fetchall()  # noqa: S608
        if not changes:
            return True  # something else changed (index specifications, collection info)
        if any(op == "r" for _seq, _key, op in changes):
            return False
        keys = list(dict.fromkeys(key for _seq, key, _op in changes))
        # inserted or deleted since: leaves its place (an insert has a new ROWID, after every older row)
        moved = {key for _seq, key, op in changes if op != "u"}
        rows = []
        table, key_col, doc_col = self.DOCUMENTS, sqlite_store.TableDict.ID, sqlite_store.TableDict.DOC
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows += self._connection.execute(
                f"SELECT ROWID, {key_col}, {doc_col} FROM {table} "  # noqa: S608 (litemongo's names)
                f"WHERE {key_col} IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        rows.sort()
        present = {key for _rowid, key, _blob in rows}
        for key in moved | (set(keys) - present):
            if index is not None:
                index.remove(key)
            if docs is not None and key in docs:
                del docs[key]
                self._docs_bytes -= len(blobs.pop(key))
        decode = self._documents._decode_doc
        for _rowid, key, blob in rows:  # in ROWID order: what is not in place any more is appended
            if docs is not None and blobs.get(key) == blob:
                doc = docs[key]
            else:
                doc = decode(blob)
                if docs is not None:
                    self._docs_bytes += len(blob) - len(blobs.get(key, b""))
                    docs[key], blobs[key] = doc, blob
            if index is not None:
                index.add(key, doc)
        self._seen = changes[-1][0]
        if docs is not None and self._docs_bytes > self._max_cache_bytes:
            self._forget_documents()  # reloaded (and measured exactly) by the next read-only query
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
        with self.transaction():
            self._set(key, val)

    def _set(self, key, val):
        self._generation += 1
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
        with self.transaction():
            self._delete(key)

    def _delete(self, key):
        self._generation += 1
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
    def memo(self, key, compute):
        """``compute()``, or its result from an earlier call with the same ``key`` when nothing the query
        can see has changed since (no write through this store, no commit by another connection: checked
        with ``PRAGMA data_version`` first, as every query does).

        The admin lists ask for the same count and the same sorted first page over and over; this
        answers them without scanning and sorting every customer again. ``compute`` runs under the
        lock, so no write of this process can slip between it and the generation it is filed under.
        Results are shared: callers must not change them."""
        with self.lock:
            self._remove_expired_documents()  # a TTL expiry is a change like any other (a delete)
            self._sync()
            generation = self._generation
            entry = self._memo.get(key)
            if entry is not None and entry[0] == generation:
                return entry[1]
            value = compute()
            if self._generation == generation:  # compute itself may have loaded or refreshed the cache
                if len(self._memo) >= MEMO_ENTRIES:
                    self._memo.clear()
                self._memo[key] = (self._generation, value)
            return value

    def readonly_candidates(self, filter, *, may_load: bool = True):
        """The documents, in natural order, that could match ``filter`` (the caller still filters).

        They may be the cached objects themselves: the caller must not modify them. ``may_load``: this
        query may switch the collection to the cache (counts and sorted queries do; a plain scan such
        as a one-off backfill at start-up reads from SQLite unless the cache is loaded already)."""
        with self.lock:
            return self._readonly_candidates(filter, may_load)

    def _readonly_candidates(self, filter, may_load: bool) -> list:
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
                if keys is None:
                    return self._documents.values()
                return list(self._get_many(query_index.in_natural_order(keys)))
        docs = self._docs
        if keys is None:
            return list(docs.values())
        if len(keys) * 8 >= len(docs):  # many candidates: one ordered pass beats sorting the keys
            return [doc for key, doc in docs.items() if key in keys]
        found = map(docs.get, query_index.in_natural_order(keys))
        return [doc for doc in found if doc is not None]
