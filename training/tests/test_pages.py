"""Training pages: record an event, import attendance (CSV/XLSX, all-or-nothing), the capability plan page
and its XLSX export, and the qualified categories on the public roster."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from agency.models import Agent, Matter
from agency.tests.factories import AgentFactory
from training.models import Attendance, CapabilityPlan, TrainingEvent
from training.tests.factories import AttendanceFactory, TrainingEventFactory

CERT = Matter.Category.CERTIFICATE


def _csv(lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "att.csv", ("\n".join(lines) + "\n").encode("utf-8-sig"), content_type="text/csv"
    )


def _phone(agent: Agent) -> str:
    return str(agent.phone.as_e164)[3:]  # as people type it: 139xxxxxxxx


def test_station_staff_records_an_event(client, world):
    client.force_login(world.staff)
    response = client.post(
        "/training/new/",
        {
            "site": str(world.station.pk),
            "kind": "drill",
            "title": "证明出具岗位练兵",
            "date": "2026-05-20",
            "hours": "3.5",
            "organiser": "幸福村便民服务站",
            "categories": [CERT],
            "grants_qualification": "on",
        },
    )
    assert response.status_code == 302
    event = TrainingEvent.objects.get(title="证明出具岗位练兵")
    assert event.site == world.station and event.hours == Decimal("3.5") and event.categories == [CERT]
    assert client.get("/training/").content.decode().count("证明出具岗位练兵") == 1


def test_event_pages_are_for_staff_in_scope(client, world):
    event = TrainingEventFactory(site=world.station2)
    client.force_login(world.grid_worker)
    assert client.get("/training/").status_code == 403
    client.force_login(world.staff)
    assert client.get(f"/training/{event.pk}/").status_code == 404  # another town's station
    client.force_login(world.staff2)
    assert client.get(f"/training/{event.pk}/").status_code == 200


def test_attendance_import_csv(client, world):
    event = TrainingEventFactory(site=world.station, hours=Decimal("4.0"))
    client.force_login(world.staff)
    sheet = _csv(
        [
            "姓名,手机号,学时,成绩,结果,名次/奖项",
            f"{world.agent_grid.name},{_phone(world.agent_grid)},,92,合格,一等奖",
            f"{world.agent_grid2.name},{_phone(world.agent_grid2)},2,,参加,",
        ]
    )
    response = client.post(f"/training/{event.pk}/", {"file": sheet})
    assert response.status_code == 200
    assert "已导入 2 人" in response.content.decode()
    rows = {a.agent_id: a for a in Attendance.objects.filter(event=event)}
    assert rows[world.agent_grid.pk].score == Decimal("92.0")
    assert rows[world.agent_grid.pk].result == "passed" and rows[world.agent_grid.pk].hours == Decimal("4.0")
    assert rows[world.agent_grid2.pk].hours == Decimal("2.0")
    # the same sheet again changes nothing
    sheet.seek(0)
    client.post(f"/training/{event.pk}/", {"file": sheet})
    assert Attendance.objects.filter(event=event).count() == 2


def test_attendance_import_errors_are_numbered_and_nothing_is_imported(client, world):
    event = TrainingEventFactory(site=world.station)
    outsider = Agent.objects.get(user=world.outsider)  # serves another town's station
    client.force_login(world.staff)
    sheet = _csv(
        [
            "姓名,手机号,学时,成绩,结果",
            f"{world.agent_grid.name},{_phone(world.agent_grid)},3,,合格",  # fine
            f"张三,{_phone(world.agent_grid2)},3,,",  # name does not match the phone
            f"{world.agent_volunteer.name},{_phone(world.agent_volunteer)},abc,120,优良",  # bad hours/score/result
            f"{outsider.name},{_phone(outsider)},3,,",  # not in the recorder's scope
            f"{world.agent_grid.name},{_phone(world.agent_grid)},3,,",  # duplicate of line 2
        ]
    )
    response = client.post(f"/training/{event.pk}/", {"file": sheet})
    assert response.status_code == 400
    html = response.content.decode()
    assert "4 行有误，未导入任何数据" in html
    for line in ("第 3 行", "第 4 行", "第 5 行", "第 6 行：与第 2 行重复"):
        assert line in html
    assert "学时“abc”不是数字" in html and "成绩须在 0–100 之间" in html
    assert not Attendance.objects.filter(event=event).exists()


def test_attendance_import_xlsx_and_dry_run(client, world):
    event = TrainingEventFactory(site=world.station)
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "结果"])
    sheet.append(
        [world.agent_grid.name, int(_phone(world.agent_grid)), "合格"]
    )  # Excel turns it into a number
    buf = io.BytesIO()
    book.save(buf)
    client.force_login(world.staff)
    upload = SimpleUploadedFile("att.xlsx", buf.getvalue())
    response = client.post(f"/training/{event.pk}/", {"file": upload, "dry_run": "on"})
    assert "校验通过：1 行" in response.content.decode()
    assert not Attendance.objects.exists()
    upload = SimpleUploadedFile("att.xlsx", buf.getvalue())
    client.post(f"/training/{event.pk}/", {"file": upload})
    assert Attendance.objects.get(event=event).agent == world.agent_grid


def test_attendance_import_refuses_missing_headers(client, world):
    event = TrainingEventFactory(site=world.station)
    client.force_login(world.staff)
    response = client.post(f"/training/{event.pk}/", {"file": _csv(["姓名,学时", "王五,3"])})
    assert response.status_code == 400
    assert "缺少表头：手机号" in response.content.decode()


def _plan_world(world):
    CapabilityPlan.objects.create(
        kind=Agent.Kind.GRID_WORKER, required_hours=Decimal(8), required_categories=[CERT]
    )
    # today: the plan counts this calendar year's hours (a date a few days back would fail in early January)
    event = TrainingEventFactory(site=world.center, date=timezone.localdate(), hours=Decimal(8))
    AttendanceFactory(event=event, agent=world.agent_grid)  # 8 hours + 证明出具: on track
    AttendanceFactory(
        event__date=timezone.localdate(), event__hours=2, event__categories=[], agent=world.agent_grid2
    )


def test_plan_page_shows_who_is_behind(client, world):
    _plan_world(world)
    client.force_login(world.town)
    response = client.get(f"/training/plan/{world.center.code}/")
    assert response.status_code == 200
    rows = {r.agent.pk: r for r in response.context["rows"]}
    assert set(rows) == {world.agent_grid.pk, world.agent_grid2.pk}  # grid workers of the town only
    assert not rows[world.agent_grid.pk].behind
    behind = rows[world.agent_grid2.pk]
    assert behind.behind and behind.hours_short == Decimal(6) and behind.missing == ["证明出具"]
    assert response.context["behind"] == 1
    assert response.context["rows"][0].agent == world.agent_grid2  # behind first
    html = response.content.decode()
    assert "1 人未达标" in html and "（差 6.0）" in html
    # the town staff's only town: the index sends them there
    assert client.get("/training/plan/").url == f"/training/plan/{world.center.code}/"


def test_plan_page_scope(client, world):
    client.force_login(world.town)
    assert client.get(f"/training/plan/{world.center2.code}/").status_code == 404
    client.force_login(world.staff)
    assert client.get(f"/training/plan/{world.center.code}/").status_code == 403
    client.force_login(world.admin)
    assert client.get(f"/training/plan/{world.center2.code}/").status_code == 200


def test_plan_export_xlsx(client, world):
    _plan_world(world)
    client.force_login(world.town)
    response = client.get(f"/training/plan/{world.center.code}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "姓名"
    body = {r[0]: r for r in rows[2:]}
    assert body[world.agent_grid2.name][6] == 6 and body[world.agent_grid2.name][8] == "未达标"
    assert body[world.agent_grid.name][8] == "达标"
    assert "****" in body[world.agent_grid.name][3]  # phones masked


def test_public_roster_shows_qualified_categories(client, world):
    world.agent_grid.is_published = True
    world.agent_grid.save()
    other = AgentFactory(kind=Agent.Kind.VOLUNTEER, sites=[world.station], is_published=True)
    AttendanceFactory(agent=world.agent_grid, event__categories=[CERT, Matter.Category.MEDICAL_INSURANCE])
    html = client.get(f"/sites/{world.station.code}/roster/").content.decode()
    assert "已取得资格：医保、证明出具" in html or "已取得资格：证明出具、医保" in html
    assert html.count("已取得资格") == 1  # the other published agent holds none
    assert other.name in html


def test_admin_pages_load_with_category_checkboxes(client, world):
    event = TrainingEventFactory(site=world.station)
    client.force_login(world.admin)
    for url in (
        "/admin/training/trainingevent/add/",
        f"/admin/training/trainingevent/{event.pk}/change/",
        "/admin/training/capabilityplan/add/",
        "/admin/training/qualificationrule/add/",
        "/admin/showcase/typicalcase/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/admin/training/capabilityplan/add/").content.decode()
    assert 'type="checkbox" name="required_categories" value="certificate"' in html
    response = client.post(
        "/admin/training/capabilityplan/add/",
        {"kind": "volunteer", "required_hours": "6", "required_categories": ["payment", "document"]},
    )
    assert response.status_code == 302
    assert CapabilityPlan.objects.get(kind="volunteer").required_categories == ["payment", "document"]
