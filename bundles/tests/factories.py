"""A small world with a 出生一件事 for bundle tests (on top of ``workflows.tests.factories.make_world``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agency.models import Matter, SiteMatter
from agency.tests.factories import MatterFactory
from bundles.models import Bundle
from bundles.services import MemberSpec, bundle_save
from workflows import case_steps
from workflows import services as case_services
from workflows.models import Case
from workflows.tests.factories import World, make_world

PHONE = "+8613900139000"


@dataclass
class BundleWorld:
    w: World
    bundle: Bundle
    hukou: Matter  # 户口登记: no dependency
    yibao: Matter  # 医保参保: after 户口
    jiaofei: Matter  # 医保缴费: after 医保参保
    sbk: Matter  # 社保卡: after 户口


def make_bundle_world() -> BundleWorld:
    return add_birth_bundle(make_world())


def add_birth_bundle(w: World) -> BundleWorld:
    """出生一件事 with four new member matters, offered at ``w.station`` (e.g. on the security suite's world)."""
    hukou = MatterFactory(
        name="新生儿出生登记", time_limit_days=5, materials=["出生医学证明", "户口簿", "父母身份证"]
    )
    yibao = MatterFactory(
        name="城乡居民医保参保登记", time_limit_days=3, materials=["户口簿", "出生医学证明"]
    )
    jiaofei = MatterFactory(name="城乡居民医保费代缴", time_limit_days=1, materials=["户口簿"])
    sbk = MatterFactory(
        name="社会保障卡申领", time_limit_days=10, materials=["近期免冠白底一寸照片", "户口簿"]
    )
    for m in (hukou, yibao, jiaofei, sbk):
        SiteMatter.objects.create(site=w.station, matter=m)
    bundle = bundle_save(
        code="birth",
        name="出生一件事",
        life_event="新生儿出生",
        time_limit_days=20,
        sites=[w.station],
        members=[
            MemberSpec(matter=hukou),
            MemberSpec(matter=yibao, depends_on=[hukou]),
            MemberSpec(matter=jiaofei, depends_on=[yibao]),
            MemberSpec(matter=sbk, depends_on=[hukou]),
        ],
    )
    return BundleWorld(w=w, bundle=bundle, hukou=hukou, yibao=yibao, jiaofei=jiaofei, sbk=sbk)


def intake(bw: BundleWorld, **kw: Any) -> Case:
    from bundles.services import bundle_intake

    params: dict[str, Any] = {
        "actor": bw.w.grid_worker,
        "site": bw.w.station,
        "bundle": bw.bundle,
        "resident_name": "李娜",
        "resident_phone": "139 0013 9000",
        "address": "幸福村5组8号",
    }
    params.update(kw)
    return bundle_intake(**params)


def child(parent: Case, matter: Matter) -> Case:
    return Case.objects.get(bundle_parent=parent, matter=matter)


def to_submitted(bw: BundleWorld, case: Case) -> Case:
    """Drive a started member through assign → visit → submit (the grid worker is its agent)."""
    w = bw.w
    case = case_services.case_assign(actor=w.staff, case=case, agent=w.agent_grid)
    case = case_steps.case_visit(actor=w.grid_worker, case=case, note="", materials_missing=[])
    return case_steps.case_submit(actor=w.grid_worker, case=case, department="区医保局", reference_no="")


def finish(bw: BundleWorld, case: Case) -> Case:
    case = to_submitted(bw, case)
    return case_steps.case_complete(actor=bw.w.grid_worker, case=case, result="已办结")
