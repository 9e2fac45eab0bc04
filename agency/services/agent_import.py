"""The agent import: every sheet row validated first, then all created in one go or none."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from agency.models import Agent, Grid, Matter, Site
from agency.services.agents import agent_create
from core.models import User
from core.phones import normalize_phone
from core.services import audit_log

# --- bulk import ---------------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    "姓名",
    "身份",
    "手机号",
    "工作电话",
    "同意公开手机号",
    "站点编码",
    "网格编码",
    "服务事项编码",
    "公示",
)
_YES = {"是", "y", "yes", "true", "1", "√", "同意"}
_NO = {"否", "n", "no", "false", "0", "", "不同意"}


@dataclass
class ImportRowError:
    line: int
    messages: list[str]


@dataclass
class ImportReport:
    """What ``agent_import`` did: ``created`` agents, or per-line errors (then nothing was imported)."""

    total: int = 0
    created: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [f"第 {e.line} 行：{'；'.join(e.messages)}" for e in self.errors]


@dataclass
class _ParsedRow:
    line: int
    name: str
    kind: str
    phone: str
    work_phone: str
    consent: bool
    sites: list[Site]
    grids: list[Grid]
    scopes: list[Matter]
    published: bool


def _split_codes(value: Any) -> list[str]:
    text = str(value or "")
    for sep in ("、", "，", ";", "；", "\n", " "):
        text = text.replace(sep, ",")
    return [c.strip() for c in text.split(",") if c.strip()]


def _yes_no(value: Any, *, default: bool, label: str, errors: list[str]) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text == "":
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.append(f"“{label}”应填“是”或“否”")
    return default


def _parse_rows(rows: Sequence[tuple[int, dict[str, Any]]]) -> tuple[list[_ParsedRow], list[ImportRowError]]:
    site_codes: set[str] = set()
    grid_codes: set[str] = set()
    matter_codes: set[str] = set()
    for _, row in rows:
        site_codes.update(_split_codes(row.get("站点编码")))
        grid_codes.update(_split_codes(row.get("网格编码")))
        matter_codes.update(_split_codes(row.get("服务事项编码")))
    # Three queries however many rows: the importer must not hit the database per cell.
    sites = {s.code: s for s in Site.objects.filter(code__in=site_codes)}
    grids = {g.code: g for g in Grid.objects.filter(code__in=grid_codes)}
    matters = {m.code: m for m in Matter.objects.filter(code__in=matter_codes)}
    kinds = {value: value for value in Agent.Kind.values}
    kinds.update({str(label): value for value, label in Agent.Kind.choices})

    parsed: list[_ParsedRow] = []
    errors: list[ImportRowError] = []
    seen_phones: dict[str, int] = {}
    for line, row in rows:
        problems: list[str] = []
        name = str(row.get("姓名") or "").strip()
        if not name:
            problems.append("缺少姓名")
        elif len(name) > 64:
            problems.append("姓名过长")
        kind_text = str(row.get("身份") or "").strip()
        kind = kinds.get(kind_text) or kinds.get(kind_text.lower(), "")
        if not kind:
            problems.append(f"未知身份“{kind_text}”" if kind_text else "缺少身份")
        phone = normalize_phone(str(row.get("手机号") or ""))
        if phone is None:
            problems.append(f"手机号无效“{str(row.get('手机号') or '').strip()}”")
        elif phone in seen_phones:
            problems.append(f"手机号与第 {seen_phones[phone]} 行重复")
        else:
            seen_phones[phone] = line
        work_phone = str(row.get("工作电话") or "").strip()
        if len(work_phone) > 32:
            problems.append("工作电话过长")
        consent = _yes_no(row.get("同意公开手机号"), default=False, label="同意公开手机号", errors=problems)
        published = _yes_no(row.get("公示"), default=True, label="公示", errors=problems)
        row_sites, row_grids, row_scopes = [], [], []
        for code in _split_codes(row.get("站点编码")):
            if code in sites:
                row_sites.append(sites[code])
            else:
                problems.append(f"未知站点编码“{code}”")
        for code in _split_codes(row.get("网格编码")):
            if code in grids:
                row_grids.append(grids[code])
            else:
                problems.append(f"未知网格编码“{code}”")
        for code in _split_codes(row.get("服务事项编码")):
            if code in matters:
                row_scopes.append(matters[code])
            else:
                problems.append(f"未知事项编码“{code}”")
        if not _split_codes(row.get("站点编码")):
            problems.append("缺少站点编码")
        if problems:
            errors.append(ImportRowError(line=line, messages=problems))
            continue
        parsed.append(
            _ParsedRow(
                line=line,
                name=name,
                kind=kind,
                phone=phone or "",
                work_phone=work_phone,
                consent=consent,
                sites=row_sites,
                grids=row_grids,
                scopes=row_scopes,
                published=published,
            )
        )
    return parsed, errors


@transaction.atomic
def agent_import(
    *, rows: Sequence[tuple[int, dict[str, Any]]], dry_run: bool = False, actor: User | None = None
) -> ImportReport:
    """Import agents from parsed sheet rows ``[(line_number, {Chinese header: value})]``.

    Everything is validated first; every bad row is reported by its line number and, if there is any,
    nothing is imported. ``dry_run`` validates only.
    """
    report = ImportReport(total=len(rows), dry_run=dry_run)
    parsed, errors = _parse_rows(rows)
    if errors:
        report.errors = errors
        return report
    if dry_run:
        return report
    sid = transaction.savepoint()
    try:
        for item in parsed:
            try:
                agent_create(
                    name=item.name,
                    kind=item.kind,
                    phone=item.phone,
                    work_phone=item.work_phone,
                    publish_mobile_consent=item.consent,
                    sites=item.sites,
                    grids=item.grids,
                    scopes=item.scopes,
                    is_published=item.published,
                    actor=actor,
                )
            except ValidationError as exc:
                msgs = [str(m) for m in exc.messages]
                report.errors.append(ImportRowError(line=item.line, messages=msgs))
        if report.errors:
            transaction.savepoint_rollback(sid)
            return report
    except Exception:
        transaction.savepoint_rollback(sid)
        raise
    transaction.savepoint_commit(sid)
    report.created = len(parsed)
    audit_log(actor=actor, action="agent_import", target_type="agent", detail={"created": report.created})
    return report
