"""Aggregates the ORM lacks on both of our databases."""

from typing import Any

from django.db.models import Aggregate, CharField


class JoinedIds(Aggregate):
    """The group's integer ids joined by commas (``"3,7,12"``; NULL for no rows): ``STRING_AGG`` on
    PostgreSQL, ``GROUP_CONCAT`` on SQLite. Read it back with ``parse_ids``."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s, ',')"
        )


def parse_ids(joined: str | None) -> set[int]:
    """The ids of a ``JoinedIds`` value."""
    return {int(part) for part in joined.split(",") if part} if joined else set()
