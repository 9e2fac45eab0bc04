"""Run by ``tests/test_intake_race_sqlite.py`` in its own process: the embedded default database (a SQLite
file with the settings of ``config.settings.base``), migrated from nothing, and two threads sending one
Idempotency-Key at the same moment through Django's real WSGI handler, several rounds. Prints one JSON line:
``{"rounds": [[status, status], ...], "bodies": [[case_no, case_no], ...], "retry_after": [...], "cases": n}``.

With ``hold`` as the second argument it instead holds the file's write lock from a plain ``sqlite3``
connection for longer than the (shortened, 1 s) busy timeout while one send arrives: ``{"held": [status,
body, Retry-After]}``.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from typing import Any

import django


def main(rounds: int, mode: str) -> None:
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    from workflows.models import Case
    from workflows.tests.factories import make_world

    world = make_world()
    token = Token.objects.create(user=world.grid_worker).key
    body = json.dumps(
        {
            "site": world.station.code,
            "matter": world.matter.code,
            "resident_name": "王秀英",
            "resident_phone": "138 0013 8000",
            "address": "幸福村3组12号",
        }
    ).encode()
    connection.close()
    handler = WSGIHandler()

    def send(key: str) -> tuple[int, str, dict[str, str]]:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/cases/",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Token {token}",
            "HTTP_IDEMPOTENCY_KEY": key,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status: list[str] = []
        headers: dict[str, str] = {}

        def start(s: str, h: list[tuple[str, str]], exc_info: Any = None) -> None:
            status.append(s)
            headers.update(h)

        response = handler(environ, start)
        try:
            content = b"".join(response).decode()
        finally:
            response.close()  # request_finished closes this thread's connection, as a WSGI server does
        return int(status[0].split()[0]), content, headers

    if mode == "hold":
        import sqlite3

        from django.db import connections

        connections.settings["default"]["OPTIONS"]["timeout"] = 1  # new connections wait 1 s for the lock
        blocker = sqlite3.connect(connections.settings["default"]["NAME"], isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        code, content, headers = send("held-key")
        blocker.execute("ROLLBACK")
        blocker.close()
        print(
            json.dumps({"held": [code, json.loads(content), headers.get("Retry-After")]}, ensure_ascii=False)
        )
        return

    out: dict[str, Any] = {"rounds": [], "bodies": [], "retry_after": []}
    for n in range(rounds):
        barrier = threading.Barrier(2)
        results: list[Any] = [None, None]

        def run(i: int, key: str) -> None:
            barrier.wait()
            results[i] = send(key)

        threads = [threading.Thread(target=run, args=(i, f"race-{n}")) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        out["rounds"].append(sorted(r[0] for r in results))
        out["bodies"].append([json.loads(r[1]).get("case_no") if r[0] < 300 else r[1][:300] for r in results])
        out["retry_after"].append([r[2].get("Retry-After") for r in results])
    out["cases"] = Case.objects.count()
    print(json.dumps(out, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2] if len(sys.argv) > 2 else "race")
