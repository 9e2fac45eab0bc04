"""``manage.py seed_calendar [--year Y ...]``: copy chinesecalendar's holidays/make-up days into CalendarDay.

Idempotent: days already in the table (possibly edited by staff) are left alone.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.services import calendar_seed


class Command(BaseCommand):
    help = "Seed the holiday/make-up workday calendar from the chinesecalendar package (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year", type=int, action="append", dest="years", help="only this year (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = calendar_seed(years=options["years"])
        self.stdout.write(f"calendar: {created} new day(s)")
