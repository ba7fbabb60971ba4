"""A litemongo client whose read-only queries use the store's document cache.

mongomock (which litemongo vendors) answers ``find(...).sort(...).limit(n)`` by filtering every
candidate with its generic matcher, sorting all matches with a BSON comparator written in Python,
copying every match and only then applying skip/limit; ``count_documents`` is another full pass.
The classes here change only *how* those results are computed:

* candidates come from :meth:`core.embedded.store.CollectionStore.readonly_candidates` (cached,
  already decoded documents once a collection is queried at scale);
* filters made only of equalities with a string or ObjectId, ``$in`` lists of those, and datetime ranges
  (``$gt``/``$gte``/``$lt``/``$lte``) on top-level fields (``{"business_unit": oid, "start": {"$lt": when}}``,
  ``{"_id": {"$in": ids}}``) are matched by a compiled predicate with mongomock's exact semantics (a set
  for ``$in``, which mongomock scans as a list for every document: quadratic for a batch of ids); anything
  else uses mongomock's ``filter_applies`` itself. Write operations (update, delete, find-and-modify)
  match their candidates with the same predicates;
* sort keys on top-level fields: when every document holds one plain type per field (the usual case,
  e.g. strings) the values are compared directly; otherwise strings, numbers, None/missing, booleans,
  ObjectIds and datetimes become tuples ordered exactly like mongomock's comparator (type order first);
  any other value (or a dotted path) uses mongomock's comparator. Ties keep natural order, as in
  mongomock; with a limit, ``heapq`` picks the page instead of sorting everything;
* only the documents of the requested window are copied, and copied the way mongomock does (its
  ``_copy_only_fields``: every dict and list new, fields in the same order) except that values of
  immutable types (str, numbers, None, ObjectId, datetime, ...) are shared instead of being copied
  through ``copy.copy`` one by one; projections that include top-level fields (the planner's, the
  admin's ``only()``) are applied directly, any other projection by mongomock itself.

Writes, updates, deletes, aggregation and everything else are mongomock's/litemongo's own code, but every
write operation (insert, update, replace, delete, find-and-modify, index creation) runs as one
:meth:`core.embedded.store.CollectionStore.transaction`: its find, its check (the filter of a claim such
as ``{"status": "queued"}``, a unique index) and its write happen under SQLite's write lock, so no
other thread or process can change the documents in between — atomic like the same operation on MongoDB.
Only the client built by :func:`core.db.embedded_client_class` uses these classes: plain mongomock
(the tests' database) is untouched.
"""

from __future__ import annotations

import copy
import decimal
import functools
import heapq
import itertools
import operator
import re
import threading
import uuid
from datetime import date, datetime, time, timedelta

import litemongo
from bson import Decimal128, Int64, MaxKey, MinKey, ObjectId, Timestamp
from litemongo._vendor.mongomock import collection as mm_collection
from litemongo._vendor.mongomock import database as mm_database
from litemongo._vendor.mongomock import filtering, helpers

_MISSING = object()
_ARRAYS = (list, tuple)


def _specialise(obj, base: type, cls: type):
    """Give an object that mongomock built as ``base`` our subclass ``cls`` (which adds no state).

    mongomock creates its databases, collections and cursors by module-level class names; switching
    the class of the instances we hand out keeps the change local to this client."""
    if type(obj) is base:
        obj.__class__ = cls
    return obj


# --- filters ---------------------------------------------------------------------------------
def _equals(field: str, value):
    """mongomock's match of ``{field: value}`` for a str/ObjectId value on a top-level field: equal, or an
    array holding it (for an ObjectId mongomock also accepts an array holding its string form)."""
    also = str(value) if isinstance(value, ObjectId) else value

    def match(doc):
        found = doc.get(field, _MISSING)
        # a str or ObjectId never equals an array, so "== found" on arrays can be left out
        return found == value or (found.__class__ in _ARRAYS and (value in found or also in found))
    return match


_RANGES = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def _in_range(field: str, bounds: dict):
    """mongomock's match of ``{field: {"$gt"/"$gte"/"$lt"/"$lte": datetime, ...}}`` on a top-level field:
    a datetime meeting every bound (type bracketing: other types never match), or an array where each
    bound holds for one of its elements (mongomock expands arrays per operator)."""
    checks = [(_RANGES[op], bound) for op, bound in bounds.items()]

    def match(doc):
        found = doc.get(field, _MISSING)
        if found.__class__ in _ARRAYS:
            return all(any(isinstance(v, datetime) and op(v, bound) for v in found) for op, bound in checks)
        return isinstance(found, datetime) and all(op(found, bound) for op, bound in checks)
    return match


def _member(field: str, values: list):
    """mongomock's match of ``{field: {"$in": values}}`` for str/ObjectId values on a top-level field
    (``_in_op``): the value, or an element of an array value, equals one of them. mongomock scans the list
    for every document; here a set answers for str and ObjectId values (whose equality is their hash's),
    and any other value is compared with the list as mongomock does."""
    exact = frozenset(values)

    def match(doc):
        found = doc.get(field, _MISSING)
        for value in found if isinstance(found, _ARRAYS) else (found,):
            if value.__class__ is str or value.__class__ is ObjectId:
                if value in exact:
                    return True
            elif value in values:
                return True
        return False
    return match


def _simple_conditions(spec) -> list | None:
    if not isinstance(spec, dict):
        return None
    conditions = []
    for field, value in spec.items():
        if field == "$and" and isinstance(value, list) and value:
            for sub in value:
                nested = _simple_conditions(sub)
                if nested is None:
                    return None
                conditions.extend(nested)
        elif not field or field.startswith("$") or "." in field:
            return None
        elif type(value) is str or type(value) is ObjectId:
            conditions.append(_equals(field, value))
        elif type(value) is dict and value and all(op in _RANGES and type(bound) is datetime
                                                   for op, bound in value.items()):
            conditions.append(_in_range(field, value))
        elif (type(value) is dict and len(value) == 1 and type(value.get("$in")) in (list, tuple)
              and all(type(v) is str or type(v) is ObjectId for v in value["$in"])):
            conditions.append(_member(field, value["$in"]))
        else:
            return None
    return conditions


def compile_filter(spec):
    """A fast predicate equivalent to ``filter_applies(spec, doc)`` for simple filters, else None."""
    conditions = _simple_conditions(spec)
    if conditions is None:
        return None
    if not conditions:
        return lambda doc: True
    if len(conditions) == 1:
        return conditions[0]
    return lambda doc: all(match(doc) for match in conditions)


# --- sorting ---------------------------------------------------------------------------------
class _Unsupported(Exception):
    """A sort value the fast keys do not cover: use mongomock's comparator."""


def _fast_value(value):
    """(array flag, BSON type order, value): orders like ``filtering.resolve_sort_key`` does."""
    if isinstance(value, list):
        if not value:
            return (0, 5, 0)  # mongomock puts empty arrays before everything
        value = value[0]  # mongomock sorts arrays by their first element
    if value is _MISSING or value is None:
        return (1, 5, 0)
    if isinstance(value, str):
        return (1, 15, value)
    if isinstance(value, bool):
        return (1, 40, value)
    if isinstance(value, (int, float)):
        if value != value:  # NaN: no consistent order, leave it to mongomock
            raise _Unsupported
        return (1, 10, value)
    if isinstance(value, ObjectId):
        return (1, 35, value)
    if isinstance(value, datetime):
        return (1, 45, value)
    raise _Unsupported


def _field_key(field: str):
    return lambda doc: _fast_value(doc.get(field, _MISSING))


def sort_documents(docs: list, sort: list, needed: int | None) -> list:
    """``docs`` in mongomock's order for ``sort`` (at least the first ``needed`` of them)."""
    if all("." not in field for field, _ in sort):
        try:
            return _fast_sort(docs, sort, needed)
        except (_Unsupported, TypeError):
            pass  # TypeError: e.g. naive and aware datetimes; mongomock's comparator decides
    for field, direction in reversed(sort):  # mongomock's own algorithm (stable passes)
        docs = sorted(docs, key=lambda doc, f=field: filtering.resolve_sort_key(f, doc), reverse=direction < 0)
    return docs


#: value types that, when a field holds only one of them (ints and floats mix), compare like mongomock
_PLAIN_TYPES = ({str}, {ObjectId}, {datetime}, {bool}, {int}, {float}, {int, float})


def _plain_fields(docs: list, fields: list) -> bool:
    """Every document has every field, each field holding one plain type (no NaN): the values can be
    compared directly (the usual case; checked with C-level passes)."""
    for field in fields:
        try:
            values = list(map(operator.itemgetter(field), docs))
        except KeyError:
            return False
        types = set(map(type, values))
        if types not in _PLAIN_TYPES:
            return False
        if float in types and any(value != value for value in values):
            return False
    return True


def _fast_sort(docs: list, sort: list, needed: int | None) -> list:
    fields = [field for field, _ in sort]
    if _plain_fields(docs, fields):
        keys = [operator.itemgetter(field) for field in fields]
        composite = operator.itemgetter(*fields)
    else:
        keys = [_field_key(field) for field in fields]
        if len(keys) == 1:
            composite = keys[0]
        else:
            def composite(doc):
                return tuple(key(doc) for key in keys)
    descending = {direction < 0 for _, direction in sort}
    if needed is not None and len(descending) == 1 and needed * 4 < len(docs):
        # documented as equivalent to sorted(docs, key=..., reverse=...)[:needed], ties included
        pick = heapq.nlargest if descending == {True} else heapq.nsmallest
        return pick(needed, docs, key=composite)
    for key, (_, direction) in zip(reversed(keys), reversed(sort), strict=True):
        docs = sorted(docs, key=key, reverse=direction < 0)
    return docs


# --- copying results -------------------------------------------------------------------------
#: values mongomock copies with ``copy.copy`` that cannot change: the copy may share them
_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes, ObjectId, datetime, date, time, timedelta,
                        Decimal128, Int64, Timestamp, MinKey, MaxKey, uuid.UUID, decimal.Decimal})


def _copy_value(value):
    """mongomock's ``_copy_field(value, dict)``, sharing immutable values."""
    kind = value.__class__
    if kind in _IMMUTABLE:
        return value
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    return copy.copy(value)


def _included_fields(projection) -> tuple[frozenset, bool] | None:
    """(fields, with _id) of a projection that only includes top-level fields (``_id`` may be 1 or 0),
    else None (mongomock applies it)."""
    if not isinstance(projection, dict) or not projection:
        return None
    fields, with_id = set(), True
    for field, value in projection.items():
        if field == "_id" and value.__class__ in (int, bool):
            with_id = bool(value)
        elif value.__class__ in (int, bool) and value and field and "." not in field and not field.startswith("$"):
            fields.add(field)
        else:
            return None
    return (frozenset(fields), with_id) if fields else None


def document_copier(collection, projection):
    """A function doing what ``collection._copy_only_fields(doc, projection, dict)`` does (same keys in the
    same order, new dicts and lists), without copying immutable values; worked out once per query."""
    if projection is None or (not projection and helpers.PYMONGO_AT_LEAST_4_0):
        return _copy_value
    included = _included_fields(projection)
    if included is None:
        return lambda doc: collection._copy_only_fields(doc, projection, dict)
    fields, with_id = included
    fields = fields - {"_id"}

    def copy_included(doc: dict) -> dict:
        # mongomock: the included fields in the document's order, then _id (unless excluded)
        out = {key: value if value.__class__ in _IMMUTABLE else _copy_value(value)
               for key, value in doc.items() if key in fields}
        if with_id and "_id" in doc:
            out["_id"] = doc["_id"]
        return out
    return copy_included


# --- the client ------------------------------------------------------------------------------
class Cursor(mm_collection.Cursor):
    """Computes only the skip/limit window, from the store's cache, when it can."""

    _window = None
    _window_key = None

    def _compute_results(self, with_limit_and_skip=False):
        if with_limit_and_skip:
            key = (self._factory, self._skip, self._limit)
            if self._window is not None and self._window_key == key:
                return self._window
            window = self.collection._window(self._spec, self._sort, self._projection, self._skip, self._limit)
            if window is not None:
                if self.collection.codec_options.tz_aware:
                    window = [helpers.make_datetime_timezone_aware_in_document(doc) for doc in window]
                self._window, self._window_key = window, key
                return window
        return super()._compute_results(with_limit_and_skip)

    def clone(self):
        return _specialise(super().clone(), mm_collection.Cursor, Cursor)


_PLAIN_KEY_TYPES = (str, int, float, bool, type(None), ObjectId, datetime)


def _freeze(value):
    """A hashable, type-exact form of a filter or sort (1, 1.0 and True stay apart); TypeError for
    anything else, which is then simply not memoised."""
    if isinstance(value, dict):
        return ("d", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_freeze(v) for v in value))
    if isinstance(value, re.Pattern):
        return ("re", value.pattern, value.flags)
    if type(value) in _PLAIN_KEY_TYPES:
        return (type(value).__name__, value)
    raise TypeError(type(value).__name__)


def _memo_key(*parts):
    """The key of a query for :meth:`core.embedded.store.CollectionStore.memo`, or None."""
    try:
        return _freeze(parts)
    except TypeError:
        return None


#: the collection whose count_documents runs in this thread (its _iter_documents may use the cache);
#: per thread because mongoengine shares one collection object between all threads
_readonly_scan = threading.local()


def _atomic(method):
    """Run a write operation of mongomock's collection as one transaction of the collection's store."""
    @functools.wraps(method)
    def atomic(self, *args, **kwargs):
        with self._store.transaction():
            return method(self, *args, **kwargs)
    return atomic


class Collection(mm_collection.Collection):
    # mongomock's internal write paths: every public write (and bulk_write) goes through them;
    # nested calls (find-and-modify → update → insert on upsert) join the open transaction
    _insert = _atomic(mm_collection.Collection._insert)
    _update = _atomic(mm_collection.Collection._update)
    _delete = _atomic(mm_collection.Collection._delete)
    _find_and_modify = _atomic(mm_collection.Collection._find_and_modify)
    create_index = _atomic(mm_collection.Collection.create_index)  # checks existing documents, then stores it

    def with_options(self, *args, **kwargs):
        return _specialise(super().with_options(*args, **kwargs), mm_collection.Collection, Collection)

    def find(self, *args, **kwargs):
        return _specialise(super().find(*args, **kwargs), mm_collection.Cursor, Cursor)

    def count_documents(self, filter, **kwargs):
        key = _memo_key("count", filter) if not kwargs and hasattr(self._store, "memo") else None
        if key is None:
            return self._count_documents(filter, **kwargs)
        return self._store.memo(key, lambda: self._count_documents(filter))

    def _count_documents(self, filter, **kwargs):
        outer = getattr(_readonly_scan, "collection", None)
        _readonly_scan.collection = self
        try:
            return super().count_documents(filter, **kwargs)
        finally:
            _readonly_scan.collection = outer

    def _iter_documents(self, filter):
        if getattr(_readonly_scan, "collection", None) is self:
            matching = self._matching(filter)
            if matching is not None:
                return matching
        match = compile_filter(filter)
        if match is None:
            return super()._iter_documents(filter)
        # mongomock's own loop (fresh documents from the store: the caller may change them), compiled filter
        if self._store.is_empty:
            filtering.filter_applies(filter, {})  # validates the filter, like mongomock
        return (document for document in self._store.find_candidates(filter) if match(document))

    def _matching(self, spec, *, may_load: bool = True):
        """The matching documents in natural order, possibly the cached objects (read-only!)."""
        store = self._store
        if not hasattr(store, "readonly_candidates"):
            return None
        if store.is_empty:
            filtering.filter_applies(spec, {})  # validates the filter, like mongomock
        docs = store.readonly_candidates(spec, may_load=may_load)
        match = compile_filter(spec)
        if match is None:
            return (doc for doc in docs if filtering.filter_applies(spec, doc))
        return filter(match, docs)

    def _window(self, spec, sort, projection, skip, limit) -> list | None:
        """Copies of the documents ``find(spec, projection).sort(sort)[skip:skip + limit]`` returns."""
        skip = skip or 0
        limit = abs(limit) if limit else None
        if not isinstance(skip, int) or (limit is not None and not isinstance(limit, int)):
            return None
        if sort:
            sort = list(sort.items()) if isinstance(sort, dict) else list(sort)
            if any(not isinstance(field, str) or field.startswith("$") for field, _ in sort):
                return None  # $natural and friends: mongomock's path
        if not hasattr(self._store, "readonly_candidates"):
            return None
        stop = skip + limit if limit is not None else None
        if sort:
            def sorted_matches():
                return sort_documents(list(self._matching(spec)), sort, stop)

            key = _memo_key("sorted", spec, sort, stop)
            docs = sorted_matches() if key is None else self._store.memo(key, sorted_matches)
        else:
            docs = self._matching(spec, may_load=False)
        return list(map(document_copier(self, projection), itertools.islice(docs, skip, stop)))


class Database(mm_database.Database):
    def get_collection(self, *args, **kwargs):
        return _specialise(super().get_collection(*args, **kwargs), mm_collection.Collection, Collection)

    def with_options(self, *args, **kwargs):
        return _specialise(super().with_options(*args, **kwargs), mm_database.Database, Database)


class MongoClient(litemongo.MongoClient):
    """litemongo's client handing out the collections above (pass it a :class:`ServerStore`)."""

    def get_database(self, *args, **kwargs):
        return _specialise(super().get_database(*args, **kwargs), mm_database.Database, Database)
