"""``manage.py celery_ping [--wait SECONDS]``: enqueue ``core.heartbeat`` and wait until a worker ran it.

Works on every broker (Redis or the filesystem transport of ``make run``) because the proof is a file
under ``var/`` rather than a result backend. Exit status 1 when no worker ran the task in time.
"""

import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tasks import heartbeat, heartbeat_path


class Command(BaseCommand):
    help = "Enqueue a heartbeat task and wait until a Celery worker has executed it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        token = uuid.uuid4().hex
        path = heartbeat_path(token)
        heartbeat.delay(token)
        deadline = time.monotonic() + options["wait"]
        while time.monotonic() < deadline:
            if path.exists():
                path.unlink(missing_ok=True)
                self.stdout.write(self.style.SUCCESS(f"worker ran core.heartbeat {token}"))
                return
            time.sleep(0.2)
        raise CommandError(f"no worker ran core.heartbeat {token} within {options['wait']:.0f}s")
