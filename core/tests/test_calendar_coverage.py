"""Issue 20, holidays after 2026: coverage check, banner (dashboard + admin), import (CSV/XLSX), command."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from freezegun import freeze_time

from agency.models import Agent
from agency.tests.factories import AgentFactory, StationFactory, UserFactory
from core import workdays
from core.calendar_coverage import coverage_banner, uncovered_years, years_to_alert
from core.calendar_import import calendar_import
from core.models import AuditLog, CalendarDay
from core.tabular import read_table

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)  # the project's "now": 2027 is not in chinesecalendar 1.11

CSV_2027 = "日期,类型,名称\n2027-01-01,休,元旦\n2027/2/6,休,春节\n2027年2月20日,班,春节调休\n"


@pytest.fixture(autouse=True)
def fresh_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def table(text: str) -> list[list[str]]:
    return read_table(io.BytesIO(text.encode()), "x.csv")


def test_2026_is_known_2027_is_not():
    assert workdays.year_known(2026) and not workdays.year_known(2027)


def test_uncovered_years_look_sixty_days_ahead():
    assert uncovered_years(today=TODAY) == [2027]  # 3 Dec + 60 days reaches February 2027
    assert uncovered_years(today=dt.date(2026, 10, 1)) == []  # 30 Nov: still 2026
    assert uncovered_years(today=dt.date(2026, 11, 2)) == [2027]  # 1 Jan is within 60 days


def test_alert_from_first_of_december():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "core.calendar_coverage.coverage_days", lambda: 10
        )  # the 60-day window does not reach 2027
        assert years_to_alert(today=dt.date(2026, 11, 30)) == []
        assert years_to_alert(today=dt.date(2026, 12, 1)) == [2027]


def test_import_makes_the_year_covered_and_changes_due_dates():
    before = workdays.add_working_days(dt.datetime(2026, 12, 31, 10, tzinfo=workdays.local_tz()), 1)
    assert before.date() == dt.date(2027, 1, 1)  # plain weekdays: New Year's Day counted as a working day
    report = calendar_import(table=table(CSV_2027))
    assert report.ok and report.created == 3 and report.years == [2027]
    workdays.clear_cache()
    assert workdays.year_known(2027) and uncovered_years(today=TODAY) == []
    assert coverage_banner(today=TODAY) == ""
    assert not workdays.is_workday(dt.date(2027, 1, 1)) and workdays.is_workday(dt.date(2027, 2, 20))
    after = workdays.add_working_days(dt.datetime(2026, 12, 31, 10, tzinfo=workdays.local_tz()), 1)
    assert after.date() == dt.date(2027, 1, 4)
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 6)).name == "春节"
    assert AuditLog.objects.filter(action="calendar.import", target_id="2027").exists()


def test_import_errors_are_numbered_and_nothing_is_imported():
    bad = "日期,类型\n2027-01-01,休\n2027-13-01,休\n2027-02-01,上\n2027-01-01,班\n"
    report = calendar_import(table=table(bad))
    assert not report.ok
    assert report.lines() == [
        "第 3 行：日期“2027-13-01”无法识别（应为 2027-01-01）",
        "第 4 行：类型“上”应为“休”或“班”",
        "第 5 行：日期 2027-01-01 与第 2 行重复",
    ]
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_import_updates_existing_days_and_is_idempotent():
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=True, name="wrong")
    first = calendar_import(table=table(CSV_2027))
    assert (first.created, first.updated) == (2, 1)
    again = calendar_import(table=table(CSV_2027))
    assert (again.created, again.updated) == (0, 0)
    assert not CalendarDay.objects.get(date=dt.date(2027, 1, 1)).is_workday


def test_headerless_and_xlsx():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([dt.datetime(2027, 10, 1), "休", "国庆节"])
    sheet.append(["2027-10-09", "班", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = calendar_import(table=read_table(buffer, "2027.xlsx"))
    assert report.ok and report.created == 2
    assert CalendarDay.objects.get(date=dt.date(2027, 10, 9)).name == "调休上班"


def test_wrong_file_type_and_empty_file():
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        read_table(io.BytesIO(b"x"), "2027.pdf")
    assert calendar_import(table=table("日期,类型\n")).lines() == ["第 1 行：文件中没有日期行。"]


def test_management_command(tmp_path, capsys):
    good = tmp_path / "2027.csv"
    good.write_text(CSV_2027, encoding="utf-8")
    call_command("import_calendar", str(good), "--dry-run")
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    call_command("import_calendar", str(good))
    assert CalendarDay.objects.filter(date__year=2027).count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("2028-01-01,休\n2028-01-02,x\n", encoding="gb18030")
    with pytest.raises(CommandError, match="1 行有误"):
        call_command("import_calendar", str(bad))
    assert "第 2 行" in capsys.readouterr().err
    assert not CalendarDay.objects.filter(date__year=2028).exists()


@freeze_time("2026-12-03 02:00:00")
def test_banner_on_admin_and_dashboard_until_imported():
    admin = UserFactory(username="cal_admin", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    for url in ("/admin/", "/admin/core/calendarday/", "/dashboard/"):
        html = client.get(url).content.decode()
        assert 'id="calendar-banner"' in html and "2027年节假日安排尚未录入" in html, url
    page = client.get("/admin/core/calendarday/import/")
    assert page.status_code == 200
    bad = client.post(
        "/admin/core/calendarday/import/",
        {"file": SimpleUploadedFile("2027.csv", "2027-01-01,休\nfoo,休\n".encode())},
    )
    assert bad.status_code == 400 and "第 2 行" in bad.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    ok = client.post(
        "/admin/core/calendarday/import/", {"file": SimpleUploadedFile("2027.csv", CSV_2027.encode("utf-8"))}
    )
    assert ok.status_code == 302
    workdays.clear_cache()  # on_commit does this in production; the test transaction never commits
    for url in ("/admin/", "/dashboard/"):
        assert 'id="calendar-banner"' not in client.get(url).content.decode(), url


def test_import_page_needs_permission():
    staff = UserFactory(username="cal_staff", is_staff=True)
    AgentFactory(user=staff, kind=Agent.Kind.STATION_STAFF, sites=[StationFactory()])
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/core/calendarday/import/").status_code == 403
