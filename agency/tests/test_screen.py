"""The hall screen's refresh: no meta refresh; ``screen/data/`` answers the live part as JSON with the time."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from freezegun import freeze_time

from agency.tests.factories import AgentFactory, StationFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_page_shows_updated_time_and_points_at_the_json() -> None:
    station = StationFactory()
    with freeze_time(dt.datetime(2026, 3, 2, 9, 7, tzinfo=SH)):
        html = Client().get(f"/sites/{station.code}/screen/").content.decode()
    assert "更新于 <time" in html and ">09:07</time>" in html
    assert f'data-src="/sites/{station.code}/screen/data/"' in html
    refresh = re.search(r'data-refresh="(\d+)"', html)
    assert refresh is not None and 60 <= int(refresh[1]) <= 600
    assert "/static/js/screen.js" in html
    assert "页面不会自动刷新" in html  # the no-JavaScript fallback says so
    assert "http-equiv" not in html


def test_data_is_json_with_the_live_part_and_its_time() -> None:
    station = StationFactory()
    AgentFactory(name="周五", sites=[station])
    with freeze_time(dt.datetime(2026, 3, 2, 14, 35, tzinfo=SH)):
        response = Client().get(f"/sites/{station.code}/screen/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["updated"] == "14:35"
    assert body["updated_at"].startswith("2026-03-02T14:35")
    assert "周五" in body["html"] and "帮办代办人员" in body["html"] and ">14:35</time>" in body["html"]
    assert "<html" not in body["html"] and "<script" not in body["html"]


def test_data_of_unknown_site_is_404() -> None:
    assert Client().get("/sites/NOPE/screen/data/").status_code == 404
