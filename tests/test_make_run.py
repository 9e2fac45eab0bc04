"""``make run`` as a newcomer sees it: the embedded default (SQLite, filesystem broker, console SMS) leaves
nothing in the clone's root (kombu's ``control/`` folder), the log says each thing once (no kombu "No hostname
was supplied", no doubled ``django.request`` lines, no traceback for a refused request), and Ctrl-C ends it
without make's "Error 130".

The real Makefile target runs in a pseudo-terminal (``make -o demo run``: the install/migrate/demo steps are
done by the test itself, against a private ``BANGBAN_VAR_DIR``), and Ctrl-C is a SIGINT to its process group,
as a terminal sends it.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(var_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(BANGBAN_VAR_DIR=str(var_dir), BANGBAN_ADDR=f"127.0.0.1:{port}", PYTHONUNBUFFERED="1")
    return env


def _read(fd: int, out: bytearray, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out += chunk


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_make_run_is_clean_quiet_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    var_dir, port = tmp_path / "var", _free_port()
    env = _env(var_dir, port)
    var_dir.mkdir()
    root_before = {p.name for p in ROOT.iterdir()}
    migrate = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    assert "No hostname was supplied" not in migrate.stderr + migrate.stdout  # every command printed it

    pid, fd = pty.fork()
    if pid == 0:  # the child: make, in its own session (the pty's foreground group)
        os.chdir(ROOT)
        os.execvpe("make", ["make", "-o", "demo", "run"], env)
    out = bytearray()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and b"bangban@" not in out and b"ready." not in out:
            _read(fd, out, 1)
        up = False
        while time.monotonic() < deadline and not up:
            try:
                up = _get(f"http://127.0.0.1:{port}/healthz") == 200
            except OSError:
                _read(fd, out, 1)
        assert up, out.decode(errors="replace")[-3000:]
        assert _get(f"http://127.0.0.1:{port}/") == 200  # the front page
        assert _get(f"http://127.0.0.1:{port}/api/v1/stats/") in (401, 403)  # refused: one log line
        assert _get(f"http://127.0.0.1:{port}/no-such-page/") == 404
        _read(fd, out, 3)
        os.killpg(os.getpgid(pid), signal.SIGINT)  # Ctrl-C
        _read(fd, out, 30)
    finally:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    log = out.decode(errors="replace").replace("\r\n", "\n")

    assert "run_all: stopped." in log, log[-3000:]
    assert not re.search(r"make: \*\*\* .*Error", log), log[-2000:]
    assert "No hostname was supplied" not in log
    assert "Traceback" not in log, log[-3000:]
    request_lines = [line for line in log.splitlines() if " django.request " in line]
    assert request_lines, log[-3000:]
    assert len(request_lines) == len(set(request_lines)), request_lines  # each django.request line once
    # nothing new in the clone's root (kombu's control/ folder went there); the broker's folders are in var/
    new_in_root = {p.name for p in ROOT.iterdir()} - root_before
    assert "control" not in new_in_root
    assert {name for name in new_in_root if not name.startswith(".")} == set()  # (tool caches aside)
    assert (var_dir / "celery" / "control").is_dir()
