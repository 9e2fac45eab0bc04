"""Writing generated rows: ``COPY`` on PostgreSQL (psycopg 3), ``bulk_create`` elsewhere; the fast fresh load's
index drop/rebuild and the sequences moved past the ids assigned by the generator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, models, transaction

from bench.data.shapes import (
    CALLBACK_FIELDS,
    CASE_FIELDS,
    EVENT_FIELDS,
    JSON_FIELDS,
    RATING_FIELDS,
    RECT_FIELDS,
    Generated,
    _json,
)
from residents.models import Callback, Rating, Rectification
from workflows.models import Case, CaseEvent

# --- writing ---------------------------------------------------------------------------------------------

TABLES: list[tuple[str, Any, list[str], str]] = [
    ("case", Case, CASE_FIELDS, "cases"),
    ("event", CaseEvent, EVENT_FIELDS, "events"),
    ("rating", Rating, RATING_FIELDS, "ratings"),
    ("callback", Callback, CALLBACK_FIELDS, "callbacks"),
    ("rectification", Rectification, RECT_FIELDS, "rectifications"),
]

_EXPECTED = {
    "case": [
        "id",
        "case_no",
        "site_id",
        "grid_id",
        "matter_id",
        "resident_name",
        "resident_phone",
        "id_number",
        "address",
        "description",
        "channel",
        "special_groups",
        "priority",
        "status",
        "due_at",
        "assigned_agent_id",
        "department",
        "reference_no",
        "result",
        "delivery_method",
        "tracking_no",
        "materials_missing",
        "created_by_id",
        "process_id",
        "created_at",
        "updated_at",
        "completed_at",
        "closed_at",
        "feedback_due_at",
        "visit_at",
        "bundle_parent_id",
    ],
    "event": ["id", "case_id", "at", "kind", "note", "actor_id", "actor_name", "public", "data"],
    "rating": [
        "id",
        "case_id",
        "site_id",
        "agent_id",
        "value",
        "comment",
        "aspects",
        "is_followup",
        "channel",
        "created_at",
        "callback_due_at",
        "rectify_due_at",
        "callback_escalated_at",
        "rectify_escalated_at",
        "excluded",
        "excluded_at",
    ],
    "callback": ["id", "rating_id", "at", "by_id", "reached", "note"],
    "rectification": ["id", "rating_id", "at", "by_id", "report", "resident_notified_at"],
}


def check_model_shape() -> None:
    """The tuples above follow the models' field order; fail loudly if someone changed a model."""
    for key, _model, fields_, _attr in TABLES:
        if fields_ != _EXPECTED[key]:
            raise RuntimeError(
                f"bench_data: {key} fields changed ({fields_} != {_EXPECTED[key]}); update bench/data/"
            )


def _first_ids() -> dict[str, int]:
    ids = {}
    for key, model, _f, _a in TABLES:
        top = model.objects.aggregate(m=models.Max("id"))["m"] or 0
        ids[key] = top + 1
    return ids


def _write_postgres(chunk: Generated) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
        for _key, model, fields_, attr in TABLES:
            rows = getattr(chunk, attr)
            if not rows:
                continue
            json_idx = [i for i, f in enumerate(fields_) if f in JSON_FIELDS[model]]
            cols = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields_)  # type: ignore[union-attr,arg-type]
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({cols}) FROM STDIN"
            with raw.copy(sql) as copy:
                for row in rows:
                    if json_idx:
                        row = list(row)
                        for i in json_idx:
                            row[i] = _json(row[i])
                    copy.write_row(row)


def _write_orm(chunk: Generated) -> None:
    for _key, model, fields_, attr in TABLES:
        rows = getattr(chunk, attr)
        if rows:
            json_fields = JSON_FIELDS[model]
            objs = []
            for row in rows:
                values = dict(zip(fields_, row, strict=True))
                for name in json_fields:
                    if isinstance(values[name], str):
                        values[name] = json.loads(values[name])
                objs.append(model(**values))
            model.objects.bulk_create(objs, batch_size=2000)


def _pg_prepare_fast_load(progress: Callable[[str], None] | None) -> list[str]:
    """Inside the load's transaction: FK triggers off if allowed; drop the plain secondary indexes of the
    loaded tables and return the statements that recreate them (constraint-backed ones stay)."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            # An ordinary database owner keeps the FK triggers. Django's FKs are DEFERRABLE INITIALLY
            # DEFERRED: left so, every COPY queues its checks until commit, and the index rebuild at the end
            # fails ("cannot CREATE INDEX ... because it has pending trigger events"), besides holding
            # millions of queued events in memory. IMMEDIATE checks each COPY's rows as it ends.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if progress:
                progress("not a superuser: foreign keys are checked row by row (slower)")
        tables = [model._meta.db_table for _k, model, _f, _a in TABLES]
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        rows = cursor.fetchall()
        for name, _definition in rows:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for _key, model, _f, _a in TABLES:
            table = model._meta.db_table
            cursor.execute(
                # table names come from the models, not from input
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )
