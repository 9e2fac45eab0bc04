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

from agency.models import Agent, DutyShift, Matter, Site, SiteMatter
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
    """Facts for ``site`` (five small queries: ``sites_facts`` of one site)."""
    return sites_facts([site])[site.pk]


def sites_facts(sites: list[Site]) -> dict[int, SiteFacts]:
    """Facts for every site of ``sites`` in five queries, whatever their number (public lists show the tier
    consistent with the record for every site: ``standards.selectors.shown_tiers``)."""
    ids = [site.pk for site in sites]
    if not ids:
        return {}
    agents: dict[int, list[tuple[str, str, int | None]]] = {pk: [] for pk in ids}
    for site_id, kind, title, backup_id in (
        Agent.sites.through.objects.filter(site_id__in=ids, agent__is_active=True)
        .order_by("agent__name", "agent__id")  # Agent's own ordering: the notes list kinds in that order
        .values_list("site_id", "agent__kind", "agent__title", "agent__backup_id")
    ):
        agents[site_id].append((kind, title, backup_id))
    today = timezone.localdate()
    with_rota = set(
        DutyShift.objects.filter(site_id__in=ids, date__gte=today, date__lt=today + timedelta(days=ROTA_DAYS))
        .order_by()
        .values_list("site_id", flat=True)
        .distinct()
    )
    since = timezone.now() - timedelta(days=KIOSK_DAYS)
    with_kiosk = set(
        Rating.objects.filter(site_id__in=ids, channel=Rating.Channel.KIOSK, created_at__gte=since)
        .order_by()  # no default ordering: it would join the DISTINCT
        .values_list("site_id", flat=True)
        .distinct()
    )
    terminals = dict(
        Site.objects.filter(parent_id__in=ids, kind=Site.Kind.TERMINAL, is_active=True)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    categories: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for site_id, category, n in (
        SiteMatter.objects.filter(site_id__in=ids, matter__is_active=True)
        .values("site_id", "matter__category")
        .annotate(n=Count("id"))
        .order_by("site_id", "matter__category")
        .values_list("site_id", "matter__category", "n")
    ):
        categories[site_id][category] = n
    return {
        site.pk: _facts(
            site,
            agents=agents[site.pk],
            has_rota=site.pk in with_rota,
            has_kiosk=site.pk in with_kiosk,
            terminals=terminals.get(site.pk, 0),
            categories=categories[site.pk],
        )
        for site in sites
    }


def _facts(
    site: Site,
    *,
    agents: list[tuple[str, str, int | None]],
    has_rota: bool,
    has_kiosk: bool,
    terminals: int,
    categories: dict[str, int],
) -> SiteFacts:
    facts = SiteFacts()
    center = site.kind == Site.Kind.CENTER
    facts._set("rules", "帮办代办制度", bool((site.policy_text or "").strip()), "未发布帮办代办制度")

    staff = [a for a in agents if a[0] in STAFF_KINDS]
    facts.staff_on_record = len(staff)
    has_backups = bool(staff) and all(backup_id for _kind, _title, backup_id in staff)
    facts._set("rules", "AB岗制度" if center else "AB岗工作制度", has_backups, "在岗人员未全部配置AB岗备岗人")
    for _kind, title, _backup in staff:
        title = title or ""
        if "副主任" in title:
            facts.leaders_on_record.add("副主任")
        elif "主任" in title:
            facts.leaders_on_record.add("主任")
    if center:
        facts.verified.setdefault("staffing_leaders", set()).update(facts.leaders_on_record)
    by_kind: dict[str, int] = {}
    for kind, _title, _backup in agents:
        label = str(Agent.Kind(kind).label)
        by_kind[label] = by_kind.get(label, 0) + 1
    facts.notes["staffing"] = [
        "系统登记在岗人员：" + ("、".join(f"{k} {n} 名" for k, n in by_kind.items()) or "无")
    ]

    if not center:
        facts._set("rules", "干部轮值制度", has_rota, f"未来{ROTA_DAYS}天无干部轮值安排")
        facts._set("facilities", "“好差评”评价器", has_kiosk, f"近{KIOSK_DAYS}天无现场评价器评价")

    facts._set("equipment", "自助服务终端", terminals > 0, "无登记的自助服务终端")
    if terminals:
        facts.notes["equipment"] = [f"系统登记自助服务终端 {terminals} 台"]

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
