"""``python manage.py import_calendar FILE [--dry-run]``: the official holiday schedule, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.calendar_import import calendar_import
from core.exceptions import ApplicationError
from core.tabular import read_table


class Command(BaseCommand):
    help = "从 CSV/XLSX 导入国务院公布的放假安排（每行：日期, 休/班[, 名称]），有错则不导入任何数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不导入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            with path.open("rb") as stream:
                table = read_table(stream, path.name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report = calendar_import(table=table, dry_run=options["dry_run"])
        if not report.ok:
            for line in report.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(report.errors)} 行有误，未导入任何数据。")
        years = "、".join(str(y) for y in report.years)
        if report.dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"校验通过：{report.total} 天（{years}，未导入，--dry-run）")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"已导入 {years}：新增 {report.created} 天，更新 {report.updated} 天")
            )
