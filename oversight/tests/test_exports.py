"""XLSX exports: contents, masking vs the view_unmasked permission, audit, monthly summary, background job."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditLog
from oversight import export_requests, exports, stats
from oversight import tasks as export_tasks
from oversight.models import ExportJob
from oversight.tests.test_stats import build_stats_fixture
from residents.models import Rating
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fx(world):
    return build_stats_fixture(world)


def _period_params():
    return {
        "period": "custom",
        "from": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
        "to": timezone.localdate().isoformat(),
    }


def _sheet(content, name):
    wb = load_workbook(io.BytesIO(content))
    rows = list(wb[name].iter_rows(values_only=True))
    return rows[0], rows[1:]


def _personalise(case):
    case.resident_name = "张秀英"
    case.resident_phone = "+8613800138000"
    case.address = "东村3组12号院"
    case.id_number = "370102199001011234"
    case.save()


def test_town_export_is_masked_and_audited(client, world, fx):
    _personalise(fx["a"])
    client.force_login(world.town)
    resp = client.post("/dashboard/export/", _period_params())
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    header, rows = _sheet(resp.content, "案件明细")
    assert header == tuple(exports.CASE_COLUMNS)
    by_no = {r[0]: r for r in rows}
    # received in the period in town 1: a b c d f (S) + g h (B)
    assert set(by_no) == {fx[k].case_no for k in "abcdfgh"}
    row = dict(zip(header, by_no[fx["a"].case_no], strict=True))
    assert row["群众姓名"] == "张**"
    assert row["联系电话"] == "138****8000"
    assert row["身份证号"] == "370102********1234"
    assert row["地址"] == "东村3组12****"
    assert row["状态"] == "已分派"
    content = resp.content
    assert b"13800138000" not in content
    c_row = dict(zip(header, by_no[fx["c"].case_no], strict=True))
    assert c_row["是否按期办结"] == "是" and c_row["评价"] == 5
    d_row = dict(zip(header, by_no[fx["d"].case_no], strict=True))
    assert d_row["是否按期办结"] == "否"
    h_row = dict(zip(header, by_no[fx["h"].case_no], strict=True))
    assert h_row["评价"] == 5  # the follow-up after rectification is the latest rating
    log = AuditLog.objects.get(action="cases_export")
    assert log.actor == world.town
    assert log.detail["rows"] == 7 and log.detail["unmasked"] is False


def test_permission_unmasks(client, world, fx):
    _personalise(fx["a"])
    world.town.user_permissions.add(Permission.objects.get(codename="view_unmasked"))
    client.force_login(world.town)
    resp = client.post("/dashboard/export/", _period_params())
    header, rows = _sheet(resp.content, "案件明细")
    row = dict(zip(header, next(r for r in rows if r[0] == fx["a"].case_no), strict=True))
    assert (row["群众姓名"], row["联系电话"], row["地址"]) == ("张秀英", "+8613800138000", "东村3组12号院")
    assert AuditLog.objects.get(action="cases_export").detail["unmasked"] is True


def test_export_refused_outside_oversight_roles(client, world, fx):
    client.force_login(world.grid_worker)
    assert client.post("/dashboard/export/", _period_params()).status_code == 403
    client.force_login(world.staff)
    assert (
        client.post("/dashboard/export/", {**_period_params(), "site": world.station2.code}).status_code
        == 404
    )
    assert not AuditLog.objects.filter(action="cases_export").exists()


def test_monthly_summary_hand_computed(world):
    tz = timezone.get_current_timezone()

    def at(m, d):
        return dt.datetime(2026, m, d, 10, 0, tzinfo=tz)

    S = world.station
    sep1 = CaseFactory(
        site=S, matter=world.matter, created_at=at(9, 2), completed_at=at(9, 5), due_at=at(9, 9)
    )
    CaseFactory(site=S, matter=world.matter, created_at=at(9, 20), completed_at=at(10, 2), due_at=at(10, 8))
    CaseFactory(site=S, matter=world.matter, created_at=at(10, 3), completed_at=at(10, 20), due_at=at(10, 10))
    CaseFactory(site=world.station2, matter=world.matter, created_at=at(10, 3))
    Rating.objects.create(site=S, case=sep1, value=5, created_at=at(9, 6))
    Rating.objects.create(site=S, value=2, created_at=at(10, 21))
    Rating.objects.create(site=S, value=1, created_at=at(10, 22), excluded=True)
    scope = stats.stats_scope(user=world.town)
    rows = exports.monthly_summary(
        scope=scope, period=stats.Period(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    )
    assert rows == [
        ["2026-09", S.code, S.name, 2, 1, 1, 1.0, 1, 1.0, 0],
        ["2026-10", S.code, S.name, 1, 2, 1, 0.5, 1, 0.0, 1],
    ]


def test_large_export_runs_as_job_with_progress(
    client, world, fx, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(export_requests, "SYNC_MAX_ROWS", 3)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen = []
    real_run = exports.export_job_run

    def spy(*, job_id):
        seen.append(ExportJob.objects.get(pk=job_id).status)
        return real_run(job_id=job_id)

    monkeypatch.setattr(exports, "export_job_run", spy)
    monkeypatch.setattr(export_tasks.export_build, "delay", lambda job_id: export_tasks.export_build(job_id))
    client.force_login(world.town)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/dashboard/export/", _period_params())
    job = ExportJob.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/dashboard/exports/{job.pk}/"
    assert seen == ["pending"]
    job.refresh_from_db()
    assert job.status == "done" and job.total == 7 and job.done == 7 and job.progress == 100
    page = client.get(f"/dashboard/exports/{job.pk}/").content.decode()
    assert "下载文件" in page and "100%" in page
    download = client.get(f"/dashboard/exports/{job.pk}/download/")
    assert download.status_code == 200
    _header, rows = _sheet(b"".join(download.streaming_content), "案件明细")
    assert len(rows) == 7
    log = AuditLog.objects.get(action="cases_export")
    assert log.target_id == str(job.pk) and log.detail["background"] is True
    # running the task again is a no-op; another user cannot see the job
    export_tasks.export_build(job.pk)
    assert ExportJob.objects.get().status == "done"
    client.force_login(world.admin)
    assert client.get(f"/dashboard/exports/{job.pk}/").status_code == 404


def test_pending_job_page_refreshes(client, world):
    job = ExportJob.objects.create(requested_by=world.town, total=10, done=4, status="running")
    client.force_login(world.town)
    html = client.get(f"/dashboard/exports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in html and "40%" in html
    assert client.get(f"/dashboard/exports/{job.pk}/download/").status_code == 404


def test_registered_sheet_providers_add_their_sheets(client, world, fx, monkeypatch):
    # apps built on cases (e.g. bundles) add sheets through this registry; workflows never imports them
    seen = []

    def provider(*, scope, period):
        seen.append((scope.site, period.start))
        return exports.ExportSheet(title="附加统计", columns=["项目", "数量"], rows=[["甲", 2], ["乙", 0]])

    def nothing(*, scope, period):
        return None

    monkeypatch.setattr(exports, "_sheet_providers", [])
    exports.register_export_sheet(provider)
    exports.register_export_sheet(provider)  # ready() may run twice: still one sheet
    exports.register_export_sheet(nothing)
    client.force_login(world.town)
    resp = client.post("/dashboard/export/", _period_params())
    assert resp.status_code == 200
    assert load_workbook(io.BytesIO(resp.content)).sheetnames == ["案件明细", "月度汇总", "附加统计", "说明"]
    header, rows = _sheet(resp.content, "附加统计")
    assert header == ("项目", "数量") and rows == [("甲", 2), ("乙", 0)]
    assert seen == [(None, timezone.localdate() - dt.timedelta(days=30))]
