"""``manage.py bench_data --cases N [--seed S] [--sample-out FILE] [--append]`` (CONTRACT §1).

Bulk-loads N realistic, deterministic cases over the demo sites (``bench.data`` explains the shape).
Loads ``demo_data`` first when there are no sites. Idempotency: refuses when the case table already holds
cases other than the demo's own (its typical cases' sources: ``demo_data`` then ``bench_data`` works), unless
``--append`` is given; appending is deterministic too (the seed is mixed with the number of
cases already present, and numbers already used are skipped).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agency.models import Site
from bench.data import bench_load
from bench.data.load import benchmark_case_count


class Command(BaseCommand):
    help = "Bulk-load N realistic benchmark cases over the demo sites (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="how many cases to load")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--sample-out", default="", help="write JSON lines {case_no, phone} of 1,000 cases"
        )
        parser.add_argument("--append", action="store_true", help="add to cases already present")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["cases"]
        if n <= 0:
            raise CommandError("--cases must be positive")
        existing = (
            benchmark_case_count()
        )  # the demo's own typical cases do not count: demo_data, then bench_data
        if existing and not options["append"]:
            raise CommandError(
                f"the database already holds {existing} cases besides the demo's; use --append to add more "
                "(or a fresh database)"
            )
        if not Site.objects.exists():
            self.stdout.write("no sites: loading demo_data first")
            call_command("demo_data", force=True, district_only=True, stdout=self.stdout)
        try:
            result = bench_load(n=n, seed=options["seed"], progress=lambda msg: self.stdout.write(msg))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"loaded {result.cases} cases, {result.events} events, {result.ratings} ratings "
            f"in {result.seconds:.1f} s ({result.cases / max(result.seconds, 1e-6):,.0f} cases/s)"
        )
        if options["sample_out"]:
            path = Path(options["sample_out"])
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as fh:
                for row in result.sample:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.stdout.write(f"sample of {len(result.sample)} cases written to {path}")
