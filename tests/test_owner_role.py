"""Everything runs as an ordinary PostgreSQL database OWNER (house rule 7), the production case:
``CREATE ROLE app LOGIN; CREATE DATABASE … OWNER app`` — no superuser, no CREATEDB, no CREATEROLE.

A fresh database owned by that role gets every migration and every management command that touches the
database, each in its own process as that role: ``migrate``, ``seed_calendar``, ``demo_data``, ``import_agents``,
``bench_data`` (whose fast path falls back to row-by-row foreign-key checks for a non-superuser and must still
rebuild its indexes), ``notifications_status``, ``createsuperuser``, viewflow's ``workflow_timers``, ``check``.

The role is ``BANGBAN_OWNER_ROLE`` (default ``bangban_owner``); ``.ci/run`` creates it, and the test creates it
itself when the test database user may (a superuser).
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
ROLE = os.environ.get("BANGBAN_OWNER_ROLE", "bangban_owner")
AGENTS_CSV = (
    "姓名,身份,手机号,工作电话,同意公开手机号,站点编码,网格编码,服务事项编码,公示\n"
    "赵小青,网格员,13700137011,,否,dgy-wd,,ZM001,是\n"
)


def _admin_dsn(dbname: str) -> dict[str, object]:
    params = connection.settings_dict
    return {
        "host": params["HOST"] or "127.0.0.1",
        "port": int(params["PORT"] or 5432),
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "dbname": dbname,
        "autocommit": True,
    }


def _owner_url(dbname: str) -> str:
    params = connection.settings_dict
    return f"postgres://{ROLE}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{dbname}"


@pytest.fixture
def owner_db() -> Iterator[str]:
    """A fresh database owned by the ordinary role (created here when missing), dropped afterwards."""
    name = f"{ROLE}_t{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_admin_dsn("postgres")) as admin:  # type: ignore[arg-type]
        row = admin.execute(
            "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = %s", [ROLE]
        ).fetchone()
        if row is None:
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                    sql.Identifier(ROLE)
                )
            )
            row = (False, False)
        assert row == (False, False), f"{ROLE} must be an ordinary role (no SUPERUSER, no CREATEDB)"
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(ROLE))
        )
    try:
        yield name
    finally:
        with psycopg.connect(**_admin_dsn("postgres")) as admin:  # type: ignore[arg-type]
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _manage(dbname: str, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": _owner_url(dbname),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_SUPERUSER_PASSWORD": "owner-role-pass",
    }
    env.pop("REDIS_URL", None)  # the commands' database rights are under test, not the broker
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed as {ROLE}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _indexes(dbname: str) -> set[str]:
    with psycopg.connect(**_admin_dsn(dbname)) as db:  # type: ignore[arg-type]
        rows = db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def test_migrations_and_commands_run_as_an_ordinary_database_owner(owner_db: str, tmp_path: Path) -> None:
    with psycopg.connect(**_admin_dsn(owner_db)) as db:  # type: ignore[arg-type]
        is_super = db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone()
    assert is_super == (False,)

    _manage(owner_db, "migrate", "--noinput")
    assert "calendar:" in _manage(owner_db, "seed_calendar")
    assert "staff" in _manage(owner_db, "demo_data", "--force", "--district-only", "--password", "owner-pass")
    agents = tmp_path / "agents.csv"
    agents.write_text(AGENTS_CSV, encoding="utf-8-sig")
    assert "已导入 1 名" in _manage(owner_db, "import_agents", str(agents))
    before = _indexes(owner_db)
    # the table the non-superuser load used to fail on has plain indexes that bench_data drops and rebuilds
    assert {i for i in before if i.startswith("workflows_callback_")} - {"workflows_callback_pkey"}

    sample = tmp_path / "sample.jsonl"
    out = _manage(owner_db, "bench_data", "--cases", "300", "--seed", "5", "--sample-out", str(sample))
    assert "not a superuser" in out  # the row-by-row path really ran
    assert "loaded 300 cases" in out
    assert _indexes(owner_db) == before  # every dropped index was rebuilt
    assert len(sample.read_text().splitlines()) == 300
    # a usable database: the sequences moved past the loaded ids, so a second (appending) load works
    assert "loaded 20 cases" in _manage(owner_db, "bench_data", "--cases", "20", "--seed", "6", "--append")

    assert "pending" in _manage(owner_db, "notifications_status")
    _manage(owner_db, "createsuperuser", "--noinput", "--username", "root2", "--email", "root2@example.com")
    _manage(owner_db, "workflow_timers")
    _manage(owner_db, "check")
    with psycopg.connect(**_admin_dsn(owner_db)) as db:  # type: ignore[arg-type]
        cases = db.execute("SELECT count(*) FROM workflows_case").fetchone()
        owners = db.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    assert cases == (320,)
    assert owners == [(ROLE,)]  # every table was made by the ordinary role
    # the full demo too: the apps' demo steps (bundles, standards, training, typical cases) as that role
    assert "staff" in _manage(owner_db, "demo_data", "--force", "--password", "owner-pass")
