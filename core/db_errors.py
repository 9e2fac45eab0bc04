"""Which database error is this? Recognised by constraint name and SQLSTATE, not by the message's wording.

PostgreSQL (psycopg) tells the violated constraint (``diag.constraint_name``) and the error class
(``sqlstate``): those are compared with the constraint names the database itself reports for a model's column
(read once through Django's introspection, so an auto-named ``…_key``/``…_uniq`` constraint is found whatever
name it got). SQLite, the embedded default, names no constraint: its fixed ``UNIQUE constraint failed:
<table>.<column>`` form is the only structured fact it gives, and is matched exactly.
"""

from __future__ import annotations

import functools

from django.db import DatabaseError, connections
from django.db.models import Model

UNIQUE_VIOLATION = "23505"
LOCK_NOT_AVAILABLE = "55P03"


@functools.cache
def _unique_constraints(alias: str, table: str, column: str) -> frozenset[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return frozenset(name for name, info in found.items() if info["unique"] and info["columns"] == [column])


def is_unique_violation(
    exc: DatabaseError, *, model: type[Model], field: str, using: str = "default"
) -> bool:
    """``exc`` is a unique violation of ``model.field`` (and not of another constraint)."""
    table = model._meta.db_table
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        name = getattr(getattr(cause, "diag", None), "constraint_name", None)
        return sqlstate == UNIQUE_VIOLATION and name in _unique_constraints(using, table, column)
    return str(exc) == f"UNIQUE constraint failed: {table}.{column}"


def is_lock_not_available(exc: BaseException) -> bool:
    """A row lock refused at once (PostgreSQL ``NOWAIT``: 55P03) or SQLite's whole-database lock."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == LOCK_NOT_AVAILABLE)
    return str(exc) == "database is locked"


# SQLSTATEs of "the server is not there (now)": connection exceptions (class 08), admin/crash shutdown,
# "the database system is starting up / shutting down", too many connections.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_database_unavailable(exc: BaseException) -> bool:
    """``exc`` (or what it wraps) says the database cannot be reached now, not that a statement was wrong.

    InterfaceError (the connection is closed) always; OperationalError when psycopg reports no SQLSTATE (the
    connection attempt itself failed), a connection-class one or a shutdown/startup one; SQLite's "database is
    locked" (the file is busy past the timeout). A lock or statement timeout on a live server is not an outage.
    """
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if type(cause).__module__.startswith("psycopg"):
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
    return "database is locked" in str(exc) or "unable to open database" in str(exc)
