"""The demo district's 一件事目录 (CONTRACT §3 extended by issue 15). Idempotent.

Built from the demo catalog's matters (``agency.demo``, which lists 出生登记, 死亡户口注销 and 丧葬补助金 for
them); each bundle is offered at every center/station that offers all of its members. Called from
``manage.py demo_data`` through ``settings.DEMO_DATA_STEPS``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agency.models import Matter, Site, SiteMatter
from bundles.models import Bundle
from bundles.services import MemberSpec, bundle_save

# code, name, life event, limit, summary, [(member, [depends on])]
BUNDLES: tuple[tuple[str, str, str, int, str, list[tuple[str, list[str]]]], ...] = (
    (
        "birth",
        "出生一件事",
        "新生儿出生",
        20,
        "新生儿出生后，一次申请办理户口登记、医保参保与缴费、社保卡申领。",
        [("HJ001", []), ("YB001", ["HJ001"]), ("DJ002", ["YB001"]), ("SB003", ["HJ001"])],
    ),
    (
        "retirement",
        "退休一件事",
        "退休",
        15,
        "达到退休年龄，一次申请养老保险待遇领取、异地就医备案和老年人优待证。",
        [("SB002", []), ("YB003", ["SB002"]), ("ZJ003", [])],
    ),
    (
        "after-death",
        "身后一件事",
        "亲人离世",
        20,
        "亲人离世后，一次申请户口注销、亲属关系证明和丧葬补助金、抚恤金申领。",
        [("HJ002", []), ("ZM003", []), ("SB004", ["HJ002", "ZM003"])],
    ),
    (
        "restaurant",
        "开办餐饮店一件事",
        "开办餐饮店",
        15,
        "开办小餐饮，一次申请个体工商户登记、食品经营许可和就业创业证。",
        [("SC001", []), ("SC002", ["SC001"]), ("JY002", ["SC001"])],
    ),
)


@transaction.atomic
def load_bundles_demo(**_: Any) -> dict[str, int]:
    """Create/refresh the four bundles and the demo's 跨省通办 matter. Returns counts."""
    service_sites = list(Site.objects.filter(kind__in=[Site.Kind.CENTER, Site.Kind.STATION], is_active=True))
    matters = {m.code: m for m in Matter.objects.all()}
    made = 0
    for index, (code, name, event, limit, summary, members) in enumerate(BUNDLES, 1):
        if any(m not in matters for m, _ in members):
            continue  # a trimmed catalog: leave the bundle out rather than fail the demo
        member_ids = [matters[m].pk for m, _ in members]
        offered: dict[int, int] = {}
        for site_id in SiteMatter.objects.filter(matter_id__in=member_ids).values_list("site_id", flat=True):
            offered[site_id] = offered.get(site_id, 0) + 1
        sites = [s for s in service_sites if offered.get(s.pk) == len(member_ids)]
        bundle_save(
            code=code,
            name=name,
            life_event=event,
            time_limit_days=limit,
            summary=summary,
            guide=f"{summary}\n材料按清单一次备齐，共用的材料只需提供一份；各事项按顺序自动启动，进度可在“进度查询”中查看。",
            sort_order=index,
            sites=sites,
            members=[
                MemberSpec(matter=matters[m], depends_on=[matters[d] for d in deps]) for m, deps in members
            ],
        )
        made += 1
    _remote_demo(matters)
    return {"bundles": Bundle.objects.count(), "loaded": made}


def _remote_demo(matters: dict[str, Matter]) -> None:
    """户口登记 for a newborn whose parents' 户籍 is elsewhere: handled 跨省 by the 户籍地 police."""
    from handoffs.models import Channel, RemoteMatter, Scope

    matter = matters.get("HJ001")
    if matter is not None:
        RemoteMatter.objects.update_or_create(
            matter=matter,
            defaults={
                "scope": Scope.CROSS_PROVINCE,
                "region": "",
                "authority": "户籍地公安机关",
                "channel": Channel.WINDOW,
                "note": "父母户籍在外省的，经跨省通办专窗转户籍地办理",
            },
        )
