"""``manage.py demo_data [--password P] [--force]``: load the demo district and accounts (CONTRACT §1, §3).

Idempotent. Refuses to run with ``DJANGO_DEBUG`` off (a production database) unless ``--force``.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agency.demo import DEFAULT_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo district (市中区), its matters, agents and demo accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password of every demo account ({DEFAULT_PASSWORD})",
        )
        parser.add_argument("--force", action="store_true", help="run even when DJANGO_DEBUG is off")
        parser.add_argument(
            "--district-only",
            action="store_true",
            help="sites, matters, agents and accounts only, without the apps' demo steps (which create cases): "
            "what bench_data and the load test build on",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DJANGO_DEBUG is off: demo data would go into a real database. Use --force to load it anyway."
            )
        password = options["password"]
        if not password:
            raise CommandError("--password must not be empty")
        result = load_demo(password=password, with_steps=not options["district_only"])
        counts = ", ".join(f"{key} {value}" for key, value in result.counts.items())
        self.stdout.write(f"demo district loaded: {counts}")
        self.stdout.write("demo accounts (username / role / site), password: " + password)
        for account in result.accounts:
            self.stdout.write(f"  {account['username']:<10} {account['role']:<15} {account['site']}")
