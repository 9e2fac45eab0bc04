"""Merging members' materials knows when one material covers another (issue 26), from data."""

import json

from agency.demo.catalog import MATTERS
from bundles import materials
from bundles.demo import BUNDLES


def test_demo_birth_bundle_asks_for_parents_ids_not_also_the_applicants():
    """The demo's 出生一件事 (its members' real materials): 父母双方居民身份证 covers 申请人居民身份证."""
    by_code = {row[0]: row[7] for row in MATTERS}
    birth = next(b for b in BUNDLES if b[0] == "birth")
    merged = materials.merge_materials(by_code[code] for code, _deps in birth[5])
    assert "父母双方居民身份证" in merged
    assert "申请人居民身份证" not in merged
    assert merged.count("户口簿") == 1
    assert "近期免冠白底一寸照片" in merged  # what no other material covers stays


def test_a_covered_material_is_dropped_wherever_it_comes_first_and_order_is_kept():
    merged = materials.merge_materials(
        [["申请人居民身份证", "户口簿"], ["出生医学证明", "父母双方居民身份证"]]
    )
    assert merged == ["户口簿", "出生医学证明", "父母双方居民身份证"]


def test_the_rule_is_data_a_new_pair_needs_no_code(tmp_path, monkeypatch):
    data = tmp_path / "covers.json"
    data.write_text(
        json.dumps({"covers": {"甲": ["乙"], "乙": ["丙"]}}, ensure_ascii=False), encoding="utf-8"
    )
    monkeypatch.setattr(materials, "COVERS_FILE", data)
    materials.material_covers.cache_clear()
    try:
        assert materials.merge_materials([["丙", "乙"], ["甲", "丁"]]) == ["甲", "丁"]  # transitively
        assert materials.merge_materials([["乙", "丙"]]) == ["乙"]
    finally:
        materials.material_covers.cache_clear()
