"""Two published demo 典型案例 (called by ``manage.py demo_data`` via the app config).

Each comes from a real demo case driven through the workflows services (intake → assign → visit → submit →
complete → rated 非常满意), proposed by station staff, consented verbally and published — the same path
staff take. Idempotent: a demo case already proposed (same title) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from agency.demo import TOWNS
from agency.models import Agent, Matter, Site
from core.models import User
from residents import services as resident_services
from showcase import services
from showcase.models import TypicalCase
from workflows import case_steps, intake_services
from workflows import services as wf
from workflows.models import Case


@dataclass(frozen=True)
class Story:
    town: int  # index into agency.demo.TOWNS
    village: int
    reviewer: str  # username of the town staff / district admin who publishes
    category: str
    resident: tuple[str, str, str]  # name, phone, address of the (made-up) source case
    title: str
    story: str
    what_worked: str


STORIES = [
    Story(
        0,
        0,
        "town",
        Matter.Category.CERTIFICATE,
        ("刘桂兰", "+8613905310001", "示范社区5号楼2单元"),
        "网格员上门，独居老人当天拿到居住证明",
        "一位行动不便的独居老人需要开具居住证明办理养老待遇。网格员接到电话后当天上门，"
        "现场核对材料、代为填写申请，次日即把证明送到老人家中。",
        "网格员包片到户、材料一次性告知、办结后上门送达，让群众“一次不用跑”。",
    ),
    Story(
        1,
        0,
        "admin",
        Matter.Category.DOCUMENT,
        ("赵明远", "+8613905310002", "示范村3组"),
        "帮办代办员“跑腿”，外出务工人员不返乡办成证件",
        "一位在外地务工的群众需要办理证件，无法请假返乡。站点帮办代办员通过电话确认材料清单，"
        "由家属把材料送到站点，代办员代为报送并跟踪进度，办好后邮寄到务工地。",
        "电话预审、家属递件、全程代办加邮寄送达，把“群众跑”变成“代办员跑”。",
    ),
]


def _drive_to_completed(
    *, site: Site, matter: Matter, agent_user: User, staff: User, resident: tuple[str, str, str]
) -> Case:
    name, phone, address = resident
    case = intake_services.case_create(
        actor=staff, site=site, matter=matter, resident_name=name, resident_phone=phone, address=address,
        description="演示数据：典型案例来源案件",
    )  # fmt: skip
    agent = Agent.objects.get(user=agent_user)
    case = wf.case_assign(actor=staff, case=case, agent=agent)
    case = case_steps.case_visit(actor=agent_user, case=case, note="已上门核对材料", materials_missing=[])
    case = case_steps.case_submit(actor=agent_user, case=case, department="相关部门", reference_no="DEMO-1")
    case = case_steps.case_complete(actor=agent_user, case=case, result="已办结并送达")
    resident_services.rating_create(case=case, value=5, comment="非常满意，谢谢帮办员！")
    case.refresh_from_db()
    return case


@transaction.atomic
def load_showcase_demo() -> int:
    """Create the demo typical cases that are missing; returns how many are published."""
    for spec in STORIES:
        if TypicalCase.objects.filter(title=spec.title).exists():
            continue
        station = Site.objects.filter(code=TOWNS[spec.town].villages[spec.village].site_code).first()
        staff_agent = (
            Agent.objects.filter(sites=station, kind=Agent.Kind.STATION_STAFF, user__isnull=False).first()
            if station is not None
            else None
        )
        reviewer = User.objects.filter(username=spec.reviewer).first()
        if station is None or staff_agent is None or staff_agent.user is None or reviewer is None:
            continue
        staff = staff_agent.user
        doer = Agent.objects.filter(sites=station, kind=Agent.Kind.GRID_WORKER, user__isnull=False).first()
        agent_user = doer.user if doer is not None and doer.user is not None else staff
        matter = station.matters.filter(category=spec.category, is_active=True).order_by("code").first()
        if matter is None:
            continue
        case = _drive_to_completed(
            site=station, matter=matter, agent_user=agent_user, staff=staff, resident=spec.resident
        )
        typical = services.typical_case_propose(
            actor=staff, case=case, title=spec.title, story=spec.story, what_worked=spec.what_worked
        )
        typical = services.typical_case_consent_verbal(actor=staff, typical=typical, given_by="本人")
        services.typical_case_publish(actor=reviewer, typical=typical, note="演示数据")
    return TypicalCase.objects.filter(status=TypicalCase.Status.PUBLISHED).count()
