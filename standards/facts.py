"""What the system already knows about a site, for the "系统核验" marks on its assessment.

Facts modelled elsewhere in the project and read here:

* 帮办代办制度 published — ``Site.policy_text`` (shown on the roster and map);
* AB岗 — every active staff member of the site has a 备岗人 (``Agent.backup``);
* 干部轮值 — ``DutyShift`` rows for the next 14 days;
* 好差评 kiosk active — a kiosk rating (``Rating.channel == "kiosk"``) at the site in the last 90 days;
* self-service terminals — an active ``Site`` of kind ``terminal`` whose parent is the site;
* the site's agents by kind (reference for the staffing row; full-/part-time is not modelled, so counts are
  typed and only checked against the number of staff on record);
* the matters it offers by category (a station's 事项清单 items are the category names; a center's
  法定权力/公共服务/委托下放 split is not modelled, so that row is typed).

A fact the record confirms is filled in (``verified``); a fact the record denies becomes a warning when the
box is ticked anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from agency.models import Agent, DutyShift, Matter, Site
from core.text import quote
from residents.models import Rating

ROTA_DAYS = 14
KIOSK_DAYS = 90
STAFF_KINDS = (Agent.Kind.TOWN_STAFF, Agent.Kind.STATION_STAFF, Agent.Kind.COMMUNITY_WORKER, Agent.Kind.CADRE)


@dataclass
class SiteFacts:
    """``verified[row] = {item}``; ``denied[row] = {item: why}``; ``notes[row] = [line]``; staff on record."""

    verified: dict[str, set[str]] = field(default_factory=dict)
    denied: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    staff_on_record: int = 0
    leaders_on_record: set[str] = field(default_factory=set)

    def _set(self, row: str, item: str, known: bool, why: str) -> None:
        if known:
            self.verified.setdefault(row, set()).add(item)
        else:
            self.denied.setdefault(row, {})[item] = why

    def warnings(self, answers: dict[str, Any]) -> dict[str, list[str]]:
        """Where ``answers`` contradict the record: ``{row: [message]}``."""
        out: dict[str, list[str]] = {}
        for row, denied in self.denied.items():
            ticked = set((answers.get(row) or {}).get("items") or [])
            for item, why in denied.items():
                if item in ticked:
                    out.setdefault(row, []).append(f"已勾选{quote(item)}，但系统记录：{why}")
        staffing = answers.get("staffing") or {}
        typed = int(staffing.get("full_time") or 0) + int(staffing.get("part_time") or 0)
        if typed > self.staff_on_record:
            out.setdefault("staffing", []).append(
                f"填报工作人员 {typed} 名，但系统在岗登记仅 {self.staff_on_record} 名"
            )
        return out

    def as_json(self, answers: dict[str, Any]) -> dict[str, Any]:
        return {
            "verified": {row: sorted(items) for row, items in self.verified.items()},
            "warnings": self.warnings(answers),
            "notes": self.notes,
        }


def site_facts(site: Site) -> SiteFacts:
    """Facts for ``site`` (about eight small queries)."""
    facts = SiteFacts()
    center = site.kind == Site.Kind.CENTER
    facts._set("rules", "帮办代办制度", bool((site.policy_text or "").strip()), "未发布帮办代办制度")

    agents = list(site.agents.filter(is_active=True).only("kind", "title", "backup_id"))
    staff = [a for a in agents if a.kind in STAFF_KINDS]
    facts.staff_on_record = len(staff)
    has_backups = bool(staff) and all(a.backup_id for a in staff)
    facts._set("rules", "AB岗制度" if center else "AB岗工作制度", has_backups, "在岗人员未全部配置AB岗备岗人")
    for agent in staff:
        title = agent.title or ""
        if "副主任" in title:
            facts.leaders_on_record.add("副主任")
        elif "主任" in title:
            facts.leaders_on_record.add("主任")
    if center:
        facts.verified.setdefault("staffing_leaders", set()).update(facts.leaders_on_record)
    by_kind: dict[str, int] = {}
    for agent in agents:
        label = str(Agent.Kind(agent.kind).label)
        by_kind[label] = by_kind.get(label, 0) + 1
    facts.notes["staffing"] = [
        "系统登记在岗人员：" + ("、".join(f"{k} {n} 名" for k, n in by_kind.items()) or "无")
    ]

    today = timezone.localdate()
    rota = DutyShift.objects.filter(site=site, date__gte=today, date__lt=today + timedelta(days=ROTA_DAYS))
    if not center:
        facts._set("rules", "干部轮值制度", rota.exists(), f"未来{ROTA_DAYS}天无干部轮值安排")

    since = timezone.now() - timedelta(days=KIOSK_DAYS)
    kiosk = Rating.objects.filter(site=site, channel=Rating.Channel.KIOSK, created_at__gte=since).exists()
    if not center:
        facts._set("facilities", "“好差评”评价器", kiosk, f"近{KIOSK_DAYS}天无现场评价器评价")

    terminals = Site.objects.filter(parent=site, kind=Site.Kind.TERMINAL, is_active=True).count()
    facts._set("equipment", "自助服务终端", terminals > 0, "无登记的自助服务终端")
    if terminals:
        facts.notes["equipment"] = [f"系统登记自助服务终端 {terminals} 台"]

    categories = dict(
        site.site_matters.filter(matter__is_active=True)
        .values_list("matter__category")
        .annotate(n=Count("id"))
        .values_list("matter__category", "n")
    )
    labels = dict(Matter.Category.choices)
    facts.notes["matters"] = [
        "系统登记事项：" + ("、".join(f"{labels.get(c, c)} {n} 项" for c, n in categories.items()) or "无")
    ]
    if not center:
        for category in (
            "certificate",
            "payment",
            "assistance",
            "document",
            "agriculture",
            "social_affairs",
            "employment",
        ):
            facts._set("matters", str(labels[category]), category in categories, "未登记该类事项")
    return facts
