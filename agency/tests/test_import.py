import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from agency import services
from agency.importing import read_agent_rows
from agency.models import Agent
from agency.tests.factories import GridFactory, MatterFactory, StationFactory, UserFactory
from core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份,手机号,工作电话,同意公开手机号,站点编码,网格编码,服务事项编码,公示"


@pytest.fixture
def refs():  # type: ignore[no-untyped-def]
    s1 = StationFactory(code="S100")
    s2 = StationFactory(code="S200")
    GridFactory(code="G100", site=s1)
    MatterFactory(code="M100")
    MatterFactory(code="M200")
    return s1, s2


def _csv(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return "\n".join([HEADER, *lines]).encode(encoding)


def test_good_csv_imports_everything(refs) -> None:  # type: ignore[no-untyped-def]
    data = _csv(
        '张三,网格员,138 0013 8000,0531-1,是,S100、S200,G100,"M100,M200",是',
        "李四,volunteer,+86 139-0013-9000,,否,S100,,M100,否",
    )
    rows = read_agent_rows(io.BytesIO(data), "a.csv")
    report = services.agent_import(rows=rows)
    assert report.ok and report.created == 2
    zhang = Agent.objects.get(name="张三")
    assert zhang.kind == "grid_worker" and zhang.phone.as_e164 == "+8613800138000"
    assert zhang.publish_mobile_consent and zhang.is_published
    assert sorted(s.code for s in zhang.sites.all()) == ["S100", "S200"]
    assert [g.code for g in zhang.grids.all()] == ["G100"]
    assert sorted(m.code for m in zhang.scopes.all()) == ["M100", "M200"]
    li = Agent.objects.get(name="李四")
    assert li.kind == "volunteer" and not li.is_published and not li.publish_mobile_consent


def test_every_bad_row_reported_by_line_and_nothing_imported(refs) -> None:  # type: ignore[no-untyped-def]
    data = _csv(
        "好人,网格员,13800138000,,否,S100,,,是",  # line 2: fine
        "坏电话,网格员,12345,,否,S100,,,是",  # line 3
        "坏站点,网格员,13800138001,,否,S999,,,是",  # line 4
        "坏事项,网格员,13800138002,,否,S100,,M999,是",  # line 5
        ",网格员,13800138003,,否,S100,,,是",  # line 6: no name
        "坏身份,巫师,13800138004,,否,S100,,,是",  # line 7
        ",,,,,,,,",  # blank line 8: skipped
        "重复,网格员,138-0013-8000,,否,S100,,,是",  # line 9: same phone as line 2
    )
    report = services.agent_import(rows=read_agent_rows(io.BytesIO(data), "a.csv"))
    assert not report.ok and report.created == 0
    by_line = {e.line: "；".join(e.messages) for e in report.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 9]
    assert "手机号无效" in by_line[3]
    assert "S999" in by_line[4]
    assert "M999" in by_line[5]
    assert "姓名" in by_line[6]
    assert "巫师" in by_line[7]
    assert "第 2 行" in by_line[9]
    assert report.lines()[0].startswith("第 3 行")
    assert not Agent.objects.exists()


def test_dry_run_validates_only(refs) -> None:  # type: ignore[no-untyped-def]
    rows = read_agent_rows(io.BytesIO(_csv("张三,网格员,13800138000,,否,S100,,,是")), "a.csv")
    report = services.agent_import(rows=rows, dry_run=True)
    assert report.ok and report.dry_run and report.created == 0
    assert not Agent.objects.exists()


def test_gbk_csv_and_missing_headers() -> None:
    StationFactory(code="S100")
    rows = read_agent_rows(io.BytesIO(_csv("张三,网格员,13800138000,,否,S100,,,是", encoding="gbk")), "a.csv")
    assert rows[0] == (2, rows[0][1]) and rows[0][1]["姓名"] == "张三"
    with pytest.raises(ApplicationError) as info:
        read_agent_rows(io.BytesIO("姓名,电话\n张三,1".encode()), "a.csv")
    assert "身份" in info.value.message
    with pytest.raises(ApplicationError):
        read_agent_rows(io.BytesIO(b"x"), "a.txt")


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_numeric_phone(refs) -> None:  # type: ignore[no-untyped-def]
    data = _xlsx([["王五", "党员干部", 13800138000, None, "否", "S100", None, "M100", "是"]])
    report = services.agent_import(rows=read_agent_rows(io.BytesIO(data), "a.xlsx"))
    assert report.ok
    assert Agent.objects.get(name="王五").kind == "cadre"


def test_broken_xlsx_is_application_error() -> None:
    with pytest.raises(ApplicationError):
        read_agent_rows(io.BytesIO(b"not a zip"), "a.xlsx")


def test_command(refs, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_bytes(_csv("张三,网格员,13800138000,,否,S100,,,是"))
    call_command("import_agents", str(good), "--dry-run")
    assert not Agent.objects.exists()
    call_command("import_agents", str(good))
    assert Agent.objects.count() == 1

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([["赵六", "网格员", "110", None, None, "S100", None, None, None]]))
    with pytest.raises(CommandError):
        call_command("import_agents", str(bad))
    assert "第 2 行" in capsys.readouterr().err
    assert Agent.objects.count() == 1


def test_admin_upload(refs, client: Client) -> None:  # type: ignore[no-untyped-def]
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = "/admin/agency/agent/import/"
    assert client.get(url).status_code == 200
    bad = io.BytesIO(_csv("坏电话,网格员,12345,,否,S100,,,是"))
    bad.name = "bad.csv"
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert "第 2 行" in response.content.decode()
    assert not Agent.objects.exists()
    good = io.BytesIO(_csv("张三,网格员,13800138000,,否,S100,,,是"))
    good.name = "good.csv"
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    assert Agent.objects.filter(name="张三").exists()


def test_admin_publish_action(client: Client) -> None:
    from agency.tests.factories import AgentFactory

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    agent = AgentFactory(is_published=False, with_user=False)
    response = client.post(
        "/admin/agency/agent/", {"action": "publish", "_selected_action": [agent.pk]}, follow=True
    )
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.is_published


def test_admin_away_actions_and_changelist(client: Client) -> None:
    from agency.tests.factories import AgentFactory, StationFactory

    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    agent = AgentFactory(with_user=False, sites=[StationFactory()])
    client.post("/admin/agency/agent/", {"action": "mark_away", "_selected_action": [agent.pk]})
    agent.refresh_from_db()
    assert agent.is_away
    client.post("/admin/agency/agent/", {"action": "mark_back", "_selected_action": [agent.pk]})
    agent.refresh_from_db()
    assert not agent.is_away
    for url in (
        "/admin/agency/agent/",
        "/admin/agency/site/",
        "/admin/agency/matter/",
        "/admin/agency/dutyshift/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/admin/agency/agent/").content.decode()
    assert "批量导入" in html
    assert agent.phone.as_e164 not in html  # masked in the list
