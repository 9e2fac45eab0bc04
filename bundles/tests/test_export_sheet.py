"""The district's XLSX export (``/dashboard/export/``) counts bundles beside single matters: its 一件事 sheet holds
the figures of ``bundle_stats`` (what ``/dashboard/bundles/`` and the stats API show), a bundle counted once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from bundles.exports import COLUMNS, SHEET_TITLE
from bundles.selectors import bundle_stats
from bundles.tests.factories import BundleWorld, child, finish, intake
from oversight import stats
from workflows import intake_services

pytestmark = pytest.mark.django_db


def _export(client, user) -> dict[str, list[tuple]]:
    client.force_login(user)
    today = timezone.localdate()
    resp = client.post(
        "/dashboard/export/",
        {"period": "custom", "from": (today - dt.timedelta(days=30)).isoformat(), "to": today.isoformat()},
    )
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}


def test_export_counts_bundles_once_beside_single_matters(client, bw: BundleWorld) -> None:
    w = bw.w
    done = intake(bw)
    for m in (bw.hukou, bw.yibao, bw.jiaofei, bw.sbk):
        finish(bw, child(done, m))
    intake(bw, resident_phone="139 0013 9001")  # a second bundle, still open
    intake_services.case_create(
        actor=w.grid_worker,
        site=w.station,
        matter=w.matter,
        resident_name="王五",
        resident_phone="139 0013 9002",
        address="幸福村1组",
    )
    sheets = _export(client, w.staff)
    assert list(sheets)[:3] == ["案件明细", "月度汇总", SHEET_TITLE]
    header, *rows = sheets[SHEET_TITLE]
    assert list(header) == COLUMNS
    assert [list(r) for r in rows] == [
        ["单项事项", None, None, 1, None, 0, None],  # openpyxl reads an empty cell back as None
        ["一件事合计", None, None, 2, None, 1, 1.0],
        ["一件事", "birth", "出生一件事", 2, 1, 1, 1.0],
    ]
    # the case sheet still lists every case row (2 parents + 8 members + 1 single)
    assert len(sheets["案件明细"]) - 1 == 11


def test_export_sheet_is_the_stats_selector(client, bw: BundleWorld) -> None:
    intake(bw)
    sheets = _export(client, bw.w.staff)
    scope = stats.stats_scope(user=bw.w.staff)
    today = timezone.localdate()
    figures = bundle_stats(scope=scope, period=stats.Period(today - dt.timedelta(days=30), today))
    _header, total_single, total_bundles, row = sheets[SHEET_TITLE]
    assert (total_single[3], total_single[5]) == (
        figures["single"]["received"],
        figures["single"]["completed"],
    )
    assert (total_bundles[3], total_bundles[5]) == (
        figures["bundles"]["received"],
        figures["bundles"]["completed"],
    )
    only = figures["by_bundle"][0]
    assert row[1:6] == (only["bundle"], only["name"], only["received"], only["open"], only["completed"])
