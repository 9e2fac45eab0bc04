"""``bench_load``: generate and write N cases (the ``bench_data`` command's work)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bench.data.generate import Generator
from bench.data.shapes import (
    CHUNK,
    SAMPLE_SIZE,
    load_sites,
)
from bench.data.write import (
    TABLES,
    _first_ids,
    _pg_prepare_fast_load,
    _reset_sequences,
    _write_orm,
    _write_postgres,
    check_model_shape,
)
from core.workdays import local_tz
from workflows.models import Case


@dataclass
class LoadResult:
    """Counts and timings of one load."""

    cases: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0
    sample: list[dict[str, str]] = field(default_factory=list)


def start_of_today() -> dt.datetime:
    local = timezone.localtime(timezone.now(), local_tz())
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=local_tz())


def benchmark_case_count() -> int:
    """Cases other than the demo's own (``demo_data`` drives a case per 典型案例 to completion as its source):
    what ``bench_data`` must not load on top of without ``--append``."""
    return Case.objects.filter(typical_case__isnull=True).count()


def bench_load(
    *,
    n: int,
    seed: int = 1,
    anchor: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    chunk_size: int = CHUNK,
) -> LoadResult:
    """Generate and write ``n`` cases (see the module docstring). Returns counts and a sample of 1,000."""
    check_model_shape()
    sites = load_sites()
    if not sites:
        raise RuntimeError("no active sites with matters and agents: load demo_data first")
    started = time.monotonic()
    existing = Case.objects.count()
    gen = Generator(
        n=n,
        seed=seed * 1_000_003 + existing,  # appending: same DB state + seed → same rows
        sites=sites,
        anchor=anchor or start_of_today(),
        first_ids=_first_ids(),
    )
    if existing:
        gen.used_case_nos.update(Case.objects.values_list("case_no", flat=True).iterator(chunk_size=10_000))
    result = LoadResult()
    sample_rng = random.Random(seed ^ 0x5EED)
    sample_idx = set(sample_rng.sample(range(n), min(SAMPLE_SIZE, n)))
    pg = connection.vendor == "postgresql"
    # A fresh PostgreSQL load runs as one transaction: FK triggers off (``session_replication_role``,
    # superuser only: the ids are assigned here, so the rows are consistent by construction), plain
    # secondary indexes dropped and rebuilt once at the end (much cheaper than maintaining them per row).
    # If anything fails the whole load rolls back, indexes included. Appending keeps per-chunk transactions.
    # (the demo's few typical-case sources may be there: `demo_data` then `bench_data` is the contract's order)
    fast = pg and not benchmark_case_count()
    with transaction.atomic() if fast else contextlib.nullcontext():
        rebuild: list[str] = []
        if fast:
            rebuild = _pg_prepare_fast_load(progress)
        seen = 0
        for chunk in gen.chunks(chunk_size):
            with transaction.atomic():
                if pg:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    _write_postgres(chunk)
                else:
                    _write_orm(chunk)
            for row in chunk.cases:
                if seen in sample_idx:
                    result.sample.append({"case_no": row[1], "phone": row[6]})
                seen += 1
            result.cases += len(chunk.cases)
            result.events += len(chunk.events)
            result.ratings += len(chunk.ratings)
            if progress:
                rate = result.cases / max(time.monotonic() - started, 1e-6)
                progress(f"{result.cases}/{n} cases, {result.events} events ({rate:,.0f} cases/s)")
        if fast:
            with connection.cursor() as cursor, contextlib.suppress(DatabaseError), transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = origin")
        if rebuild:
            t0 = time.monotonic()
            with connection.cursor() as cursor:
                # nothing may stay queued when the indexes are rebuilt (see _pg_prepare_fast_load)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for sql in rebuild:
                    cursor.execute(sql)
            if progress:
                progress(f"rebuilt {len(rebuild)} indexes in {time.monotonic() - t0:.1f} s")
    _reset_sequences()
    if pg:
        # VACUUM too when allowed (not inside a transaction, e.g. a test): it sets the visibility map, so
        # index-only scans (COUNTs of the lists) behave as on a long-running database, not a fresh bulk load
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for _key, model, _f, _a in TABLES:
                cursor.execute(f"{command} {model._meta.db_table}")
    result.seconds = time.monotonic() - started
    return result
