"""``python manage.py import_agents FILE [--dry-run]``: bulk-load agents from CSV/XLSX, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agency.importing import read_agent_rows
from agency.services import agent_import
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "从 CSV/XLSX 批量导入帮办代办员（表头：姓名, 身份, 手机号, 工作电话, 同意公开手机号, "
        "站点编码, 网格编码, 服务事项编码, 公示）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV 或 XLSX 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不导入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            with path.open("rb") as stream:
                rows = read_agent_rows(stream, path.name)
            report = agent_import(rows=rows, dry_run=options["dry_run"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not report.ok:
            for line in report.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(report.errors)} 行有误，未导入任何数据。")
        if report.dry_run:
            self.stdout.write(self.style.SUCCESS(f"校验通过：{report.total} 行（未导入，--dry-run）"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入 {report.created} 名帮办代办员"))
