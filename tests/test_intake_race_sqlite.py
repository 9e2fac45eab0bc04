"""Issue 26: two sends of one Idempotency-Key at the same moment on the embedded default database (a SQLite
file, WAL) gave one 201 and one 500 "database is locked". Now the second waits for the first and answers its
case (200), and a send that cannot get the write lock in time answers 409 "正在处理" with ``Retry-After``.

Run in a subprocess (``tests/sqlite_intake_race.py``): a real file database migrated from nothing, the
settings of ``config.settings.base`` and real threads through Django's WSGI handler; pytest's own database
(in memory, or PostgreSQL) is not involved. The PostgreSQL twin is
``workflows/tests/test_intake_keys.py::test_two_threads_one_key_one_case_api``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_script(tmp_path: Path, *args: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        BANGBAN_VAR_DIR=str(tmp_path / "var"),
    )
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sqlite_intake_race.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_sends_of_one_key_at_once_on_sqlite_one_case_no_500(tmp_path: Path) -> None:
    out = run_script(tmp_path, "6")
    assert out["rounds"] == [[200, 201]] * 6, out["bodies"]
    assert out["cases"] == 6
    for first, second in out["bodies"]:
        assert first == second and first  # both answers name the one case


def test_a_send_that_cannot_get_the_lock_is_409_in_progress_with_retry_after(tmp_path: Path) -> None:
    code, body, retry_after = run_script(tmp_path, "1", "hold")["held"]
    assert code == 409
    assert body["message"].startswith("正在处理")
    assert retry_after == "2"
