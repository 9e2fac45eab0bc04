"""Demo e-licence types and which demo materials they satisfy (``settings.DEMO_DATA_STEPS``)."""

from typing import Any

from agency.models import Matter
from elicence.models import LicenceType, MaterialLicence

# (code, name, usual issuer). National catalogue codes are left for the district to fill from its province.
TYPES = [
    ("resident_id", "居民身份证", "公安机关"),
    ("hukou", "居民户口簿", "公安机关"),
    ("business_licence", "营业执照", "市场监督管理部门"),
    ("property", "不动产权证书", "自然资源和规划部门"),
    ("marriage", "结婚证", "民政部门"),
    ("disability", "残疾人证", "残疾人联合会"),
    ("social_card", "社会保障卡", "人力资源和社会保障部门"),
]
# material text on the demo matters → licence types that satisfy it
MATERIALS = {
    "申请人居民身份证": ["resident_id"],
    "户口簿": ["hukou"],
    "房产证或租赁合同": ["property"],
    "结婚证": ["marriage"],
    "残疾人证或病历材料（如有）": ["disability"],
    "营业执照": ["business_licence"],
    "社保卡": ["social_card"],
}


def load_elicence_demo(**_: Any) -> None:
    types = {}
    for code, name, issuer in TYPES:
        licence_type, _created = LicenceType.objects.update_or_create(
            code=code, defaults={"name": name, "issuer": issuer, "is_active": True}
        )
        types[code] = licence_type
    for matter in Matter.objects.filter(is_active=True):
        for material in matter.materials or []:
            for code in MATERIALS.get(str(material), []):
                MaterialLicence.objects.get_or_create(
                    matter=matter, material=material, licence_type=types[code]
                )
