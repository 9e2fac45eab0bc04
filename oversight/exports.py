"""XLSX exports for district reports: the period's cases (sheet 案件明细) and a monthly summary per station
(sheet 月度汇总). Personal data is masked unless the exporter has ``workflows.view_unmasked``; every export
(direct or background) is written to the audit log.

Small exports (≤ ``oversight.export_requests.SYNC_MAX_ROWS`` cases) are built in the request; larger ones become
an ``ExportJob`` built by ``oversight.tasks.export_build`` (``export_job_run`` here) with progress, downloaded
when ready. Starting one is ``oversight.export_requests.export_request``, apart from this module so that the
task (which builds) and the request (which queues the task) do not import each other.

Apps built on cases add sheets of their own figures through ``register_export_sheet`` (from their
``AppConfig.ready()``; oversight never imports them): e.g. bundles adds 一件事, counted once per bundle with its
on-time rate, beside single matters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.masking import mask_address, mask_id_number, mask_name, mask_phone
from core.spreadsheet import safe_row
from oversight import stats
from oversight.models import ExportJob
from residents.models import Rating, bad_rating_q
from workflows.models import Case

PROGRESS_EVERY = 500
UNMASK_PERMISSION = "workflows.view_unmasked"

CASE_COLUMNS = [
    "案件编号", "受理时间", "受理站点", "所属中心", "事项", "事项类别", "受理渠道", "群众姓名", "联系电话",
    "身份证号", "地址", "特殊群体", "状态", "帮办员", "办结时限", "办结时间", "是否按期办结", "评价",
]  # fmt: skip
SUMMARY_COLUMNS = [
    "月份",
    "站点编码",
    "站点",
    "受理量",
    "办结量",
    "按期办结",
    "按期办结率",
    "评价数",
    "满意率",
    "差评数",
]


@dataclass(frozen=True)
class ExportSheet:
    """One extra sheet of the export: its tab title, header row and data rows."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


# ``provider(*, scope, period) -> ExportSheet | None`` (None: nothing to add for that scope and period)
ExportSheetProvider = Callable[..., "ExportSheet | None"]
_sheet_providers: list[ExportSheetProvider] = []


def register_export_sheet(provider: ExportSheetProvider) -> None:
    """Add ``provider``'s sheet to every export, after 月度汇总 (once: ``ready()`` may run twice in tests)."""
    if provider not in _sheet_providers:
        _sheet_providers.append(provider)


def extra_sheets(*, scope: stats.Scope, period: stats.Period) -> list[ExportSheet]:
    """The registered providers' sheets for ``scope`` and ``period``, in registration order."""
    sheets = [provider(scope=scope, period=period) for provider in list(_sheet_providers)]
    return [sheet for sheet in sheets if sheet is not None]


def export_cases_query(*, scope: stats.Scope, period: stats.Period) -> Any:
    """Cases received in the period, in scope, with the latest non-excluded rating (constant query count)."""
    latest_rating = (
        Rating.objects.filter(case=OuterRef("pk"), excluded=False)
        .order_by("-created_at", "-id")
        .values("value")[:1]
    )
    return (
        Case.objects.filter(scope.q(), period.q("created_at"))
        .select_related("site", "site__parent", "matter", "assigned_agent")
        .annotate(rating=Subquery(latest_rating))
        .order_by("created_at", "id")
    )


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # openpyxl cannot write aware datetimes: local wall-clock time, as people read it
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def case_row(case: Case, *, unmasked: bool) -> list[Any]:
    groups = dict(Case.SpecialGroup.choices)
    on_time: str = ""
    if case.completed_at:
        on_time = "是" if case.due_at is None or case.completed_at <= case.due_at else "否"
    return [
        case.case_no,
        _local(case.created_at),
        case.site.name,
        case.site.parent.name if case.site.parent else "",
        case.matter.name,
        str(case.matter.get_category_display()),
        str(case.get_channel_display()),
        case.resident_name if unmasked else mask_name(case.resident_name),
        (case.resident_phone.as_e164 if unmasked else mask_phone(case.resident_phone))
        if case.resident_phone
        else "",
        case.id_number if unmasked else mask_id_number(case.id_number),
        case.address if unmasked else mask_address(case.address),
        "、".join(str(groups.get(g, g)) for g in case.special_groups or []),
        str(case.get_status_display()),
        case.assigned_agent.name if case.assigned_agent else "",
        _local(case.due_at),
        _local(case.completed_at),
        on_time,
        getattr(case, "rating", None) or "",
    ]


def monthly_summary(*, scope: stats.Scope, period: stats.Period) -> list[list[Any]]:
    """Per month and site: received, completed, on time, ratings, satisfaction, bad ratings (3 queries)."""
    tz = timezone.get_current_timezone()
    rows: dict[tuple[dt.date, int], dict[str, int]] = {}

    def row(month: Any, site_id: int) -> dict[str, int]:
        key = (month.date() if isinstance(month, dt.datetime) else month, site_id)
        return rows.setdefault(key, {"new": 0, "done": 0, "on_time": 0, "ratings": 0, "good": 0, "bad": 0})

    cases = Case.objects.filter(scope.q())
    for r in (
        cases.filter(period.q("created_at"))
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "site_id")
        .annotate(n=Count("id"))
    ):
        row(r["month"], r["site_id"])["new"] += r["n"]
    for c in (
        cases.filter(period.q("completed_at"), completed_at__isnull=False)
        .annotate(month=TruncMonth("completed_at", tzinfo=tz))
        .values("month", "site_id")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at"))),
        )
    ):
        target = row(c["month"], c["site_id"])
        target["done"] += c["n"]
        target["on_time"] += c["on_time"]
    for g in (
        Rating.objects.filter(scope.q(), period.q("created_at"), excluded=False)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "site_id")
        .annotate(
            n=Count("id"), good=Count("id", filter=Q(value__gte=4)), bad=Count("id", filter=bad_rating_q())
        )
    ):
        target = row(g["month"], g["site_id"])
        target["ratings"] += g["n"]
        target["good"] += g["good"]
        target["bad"] += g["bad"]
    from agency.models import Site

    sites = {s.id: s for s in Site.objects.filter(id__in={k[1] for k in rows}).only("id", "code", "name")}
    out = []
    for (month, site_id), t in sorted(rows.items(), key=lambda kv: (kv[0][0], sites[kv[0][1]].code)):
        site = sites[site_id]
        out.append(
            [
                month.strftime("%Y-%m"),
                site.code,
                site.name,
                t["new"],
                t["done"],
                t["on_time"],
                stats._rate(t["on_time"], t["done"]),
                t["ratings"],
                stats._rate(t["good"], t["ratings"]),
                t["bad"],
            ]
        )
    return out


def _sheet_header(ws: Any, columns: list[str]) -> None:
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for idx, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = max(10, len(name) * 2 + 4)


def export_workbook(
    *,
    scope: stats.Scope,
    period: stats.Period,
    unmasked: bool,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The XLSX bytes. ``progress(done, total)`` is called every ``PROGRESS_EVERY`` rows and at the end."""
    query = export_cases_query(scope=scope, period=period)
    total = query.count()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("案件明细")
    ws.append(CASE_COLUMNS)
    done = 0
    for case in query.iterator(chunk_size=2000):
        ws.append(safe_row(case_row(case, unmasked=unmasked)))
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    summary = wb.create_sheet("月度汇总")
    summary.append(SUMMARY_COLUMNS)
    for r in monthly_summary(scope=scope, period=period):
        summary.append(safe_row(r))
    for sheet in extra_sheets(scope=scope, period=period):
        extra = wb.create_sheet(sheet.title[:31])  # Excel's limit on a tab title
        extra.append(safe_row(sheet.columns))
        for r in sheet.rows:
            extra.append(safe_row(r))
    info = wb.create_sheet("说明")
    info.append(safe_row(["统计范围", scope.site.name if scope.site else "全部可见站点"]))
    info.append(["受理日期", f"{period.start or '不限'} 至 {period.end or '不限'}"])
    info.append(["个人信息", "未脱敏" if unmasked else "已脱敏"])
    info.append(["导出时间", _local(timezone.now())])
    buffer = io.BytesIO()
    wb.save(buffer)
    if progress:
        progress(done, total)
    return buffer.getvalue()


def export_filename(scope: stats.Scope, period: stats.Period) -> str:
    where = scope.site.code if scope.site else "all"
    return f"bangban-cases-{where}-{period.start or 'start'}-{period.end or 'now'}.xlsx"


def export_job_run(*, job_id: int) -> ExportJob:
    """Build a queued job's file (idempotent: a finished job is left alone). Used by the Celery task."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status == ExportJob.Status.DONE:
            return job
        job.status = ExportJob.Status.RUNNING
        job.done = 0
        job.save(update_fields=["status", "done"])
    # Scope is re-evaluated as the requester now: a revoked role exports nothing.
    scope = stats.stats_scope(user=job.requested_by, site_code=job.params.get("site") or None)
    period = stats.period_parse(job.params.get("from") or None, job.params.get("to") or None)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    data = export_workbook(scope=scope, period=period, unmasked=job.unmasked, progress=progress)
    job.refresh_from_db()
    job.file.save(export_filename(scope, period), ContentFile(data), save=False)
    job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "finished_at"])
    return job


def export_job_fail(*, job_id: int, error: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportJob.Status.DONE).update(
        status=ExportJob.Status.FAILED, error=error[:255], finished_at=timezone.now()
    )
