"""Hot reads compiled once: a ``values_list`` queryset turned into SQL once per process, then run many times.

Django compiles every queryset to SQL on every evaluation; for the small, hot, public reads (a resident's case
list, the token check) that compilation costs more than PostgreSQL takes to answer (issue 7's profile: 1.5 ms
of 2.9 ms for the case-list query). ``PreparedQuery`` builds the queryset once with marker values, keeps the
SQL, the parameter slots and Django's column converters, and later runs the same SQL with the real values,
converting the rows exactly as the ORM would (so SQLite and PostgreSQL give the same Python values).

Use it only for fixed-shape queries whose inputs are plain values (strings, integers, aware datetimes, or
lists of them); the markers must not also appear as constants in the query (they are improbable values: see
``_MARKER_BASE`` and ``_DATETIME_MARKER``), and an argument a lookup rewrites (``__contains``) is refused.

Each prepared read has an ORM twin (``orm``: the same queryset evaluated by Django), and every one made in a
process is listed by ``prepared_reads()``, so the suite can hold each use to its twin
(tests/test_prepared_statements.py) and the benchmark can time both (bench/bench_prepared.py).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# Markers: improbable values that stand for the arguments while the query is compiled. Integer ones are far
# below any id; datetime ones fall in 1901.
_MARKER_BASE = -7_340_000_000_000
_DATETIME_MARKER = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)

# Every PreparedQuery / PreparedInstances alive in this process (``prepared_reads``).
_REGISTRY: weakref.WeakSet[Any] = weakref.WeakSet()


def prepared_reads() -> list[PreparedQuery | PreparedInstances]:
    """The prepared reads made so far in this process (those of imported modules, and of cached factories
    that have run), for the test that holds each to the ORM."""
    return list(_REGISTRY)


@dataclass(frozen=True)
class _Slot:
    """Where one SQL parameter comes from: an argument (``name``, list ``index``) or a ``constant``."""

    name: str
    index: int | None
    adapt: Callable[[Any], Any] | None
    constant: Any = None


class PreparedQuery:
    """``build(**values) -> QuerySet.values_list(...)``, compiled once per shape (the lengths of list values).

    ``run(**values)`` returns the rows as tuples, with the ORM's converters applied.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *, using: str = "default") -> None:
        self.build = build
        self.using = using
        self._compiled: dict[tuple[Any, ...], tuple[str, list[_Slot], Any]] = {}
        self._lock = threading.Lock()
        _REGISTRY.add(self)

    @property
    def origin(self) -> Any:
        """The code of ``build``: what identifies this read across instances (a factory's per-argument ones)."""
        return self.build.__code__

    def orm(self, **values: Any) -> list[tuple[Any, ...]]:
        """The same rows read the ordinary way (Django compiles the queryset): ``run``'s twin."""
        return list(self.build(**values).using(self.using))

    def _compile(self, values: dict[str, Any]) -> tuple[str, list[_Slot], Any]:
        """Build with markers; map each SQL parameter back to its argument (name, list index, adapter)."""
        ops = connections[self.using].ops
        markers: dict[Any, _Slot] = {}
        counter = 0

        def mark(name: str, index: int | None, value: Any) -> Any:
            nonlocal counter
            counter += 1
            if isinstance(value, dt.datetime):
                marker: Any = _DATETIME_MARKER + dt.timedelta(seconds=counter)
                # the backend may pass datetimes on as they are (PostgreSQL) or as text (SQLite)
                markers[ops.adapt_datetimefield_value(marker)] = _Slot(
                    name, index, ops.adapt_datetimefield_value
                )
            elif isinstance(value, int) and not isinstance(value, bool):
                marker = _MARKER_BASE - counter
            elif isinstance(value, str):
                marker = f"\x00prepared:{counter}\x00"
            else:
                raise TypeError(f"PreparedQuery cannot mark a {type(value).__name__} ({name})")
            markers.setdefault(marker, _Slot(name, index, None))
            return marker

        args: dict[str, Any] = {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                args[name] = [mark(name, i, item) for i, item in enumerate(value)]
            else:
                args[name] = mark(name, None, value)
        queryset = self.build(**args)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        # a parameter that is no marker is a constant of the query itself (``public=True`` …): kept as it is
        slots = [markers.get(param, _Slot("", None, None, param)) for param in params]
        used = {(slot.name, slot.index) for slot in slots if slot.name}
        lost = {(slot.name, slot.index) for slot in markers.values()} - used
        if lost:  # a field changed the marker on its way into SQL: running this query would be wrong
            raise TypeError(f"PreparedQuery: arguments not found among the SQL parameters: {sorted(lost)}")
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        return sql, slots, converters

    def run(self, **values: Any) -> list[tuple[Any, ...]]:
        shape = tuple((name, len(v) if isinstance(v, list | tuple) else None) for name, v in values.items())
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(values)
                self._compiled[shape] = compiled
        sql, slots, converters = compiled
        params: list[Any] = []
        for slot in slots:
            if not slot.name:
                params.append(slot.constant)
                continue
            value = values[slot.name] if slot.index is None else values[slot.name][slot.index]
            params.append(slot.adapt(value) if slot.adapt is not None else value)
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows: Sequence[Any] = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        connection = connections[self.using]  # this thread's (the compiler's may belong to another thread)
        out = []
        for row in rows:
            values_out = list(row)
            for pos, (convs, expression) in converters.items():
                value = values_out[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                values_out[pos] = value
            out.append(tuple(values_out))
        return out


class PreparedInstances:
    """Model instances from a prepared query, with related rows joined in as ``select_related`` would.

    ``build(**values)`` returns a queryset of ``model`` (filters only); ``related`` lists forward or reverse
    one-to-one / foreign-key paths (``"user"``, ``"user__agent"``). Every concrete column of each model is
    read, so the instances are complete (no deferred fields); a related object that is absent (a null
    foreign key, no row on a reverse one-to-one) is cached as missing, so ``user.agent`` raises
    ``DoesNotExist`` without a query, exactly as after ``select_related``. ``annotations`` (name →
    expression) become attributes of the root instance, as with ``QuerySet.annotate``.
    """

    def __init__(
        self,
        model: Any,
        build: Callable[..., QuerySet[Any]],
        *,
        related: Sequence[str] = (),
        annotations: Mapping[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.build = build
        self.related = tuple(related)
        self.annotations = dict(annotations or {})
        # (path, model, attnames, the field linking it to its parent: None for the root)
        self._parts: list[tuple[str, type[Model], list[str], Any]] = [("", model, _attnames(model), None)]
        for path in related:
            parent_path, _, name = path.rpartition("__")
            parent_model = next(m for p, m, _, _ in self._parts if p == parent_path)
            field = parent_model._meta.get_field(name)
            if not (field.one_to_one or field.many_to_one):
                raise TypeError(f"PreparedInstances follows one-to-one and foreign keys only, not {path}")
            related_model: Any = field.related_model
            self._parts.append((path, related_model, _attnames(related_model), field))
        columns = [f"{p}__{a}" if p else a for p, _, attnames, _ in self._parts for a in attnames]
        names = list(self.annotations)
        self._query = PreparedQuery(
            lambda **values: build(**values).annotate(**self.annotations).values_list(*columns, *names)
        )
        _REGISTRY.discard(self._query)  # a part of this read, not a read of its own
        _REGISTRY.add(self)

    @property
    def origin(self) -> Any:
        return self.build.__code__

    def orm(self, **values: Any) -> QuerySet[Any]:
        """The same instances read the ordinary way: ``select_related`` + ``annotate`` (``run``'s twin)."""
        return self.build(**values).select_related(*self.related).annotate(**self.annotations)

    def run(self, **values: Any) -> list[Any]:
        out = []
        for row in self._query.run(**values):
            objects: dict[str, Model | None] = {}
            at = 0
            for path, model, attnames, field in self._parts:
                chunk = row[at : at + len(attnames)]
                at += len(attnames)
                pk = chunk[attnames.index(model._meta.pk.attname)]
                obj = None if pk is None else model.from_db(self._query.using, attnames, chunk)
                objects[path] = obj
                if field is None:
                    continue
                parent = objects[path.rpartition("__")[0]]
                if parent is None:
                    continue
                field.set_cached_value(parent, obj)  # a forward field or a reverse relation: both cache
                back = field.remote_field if field.concrete else field.field
                if obj is not None and back.one_to_one:  # and the way back: ``agent.user`` is that user
                    back.set_cached_value(obj, parent)
            root = objects[""]
            for name, value in zip(self.annotations, row[at:], strict=True):
                setattr(root, name, value)  # as ``QuerySet.annotate`` does
            out.append(root)
        return out

    def get(self, **values: Any) -> Any:
        """The one instance, or ``model.DoesNotExist`` (more than one is a programming error)."""
        found = self.run(**values)
        if not found:
            raise self.model.DoesNotExist(f"{self.model.__name__} matching {values} does not exist.")
        if len(found) > 1:
            raise self.model.MultipleObjectsReturned(f"{len(found)} {self.model.__name__} rows for {values}")
        return found[0]


def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]
