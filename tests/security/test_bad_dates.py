"""Issue 33: dates that parse but cannot be used (year 1, year 9999, month 13, huge numbers) are a 400, not a 500,
on Open311 ``requests.json`` and ``/api/v1/stats/``."""

from typing import Any

import pytest

from tests.security.conftest import SecWorld

BAD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "2026-13-01",
    "2026-02-30",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59+14:00",
    "2026-11-01T25:00:00",
    "2026-11-01T00:00:00+99:00",
    "99999999-01-01",
    "1-1-1",
    "２０２６-01-01",
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("param", ["start_date", "end_date"])
def test_open311_bad_dates_are_400(sec_world: SecWorld, client: Any, param: str, value: str) -> None:
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests.{fmt}", {param: value})
        assert response.status_code == 400, (param, value, response.status_code)
        if fmt == "json":
            assert response.json()[0]["code"] == 400


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("param", ["from", "to"])
def test_stats_bad_dates_are_400(sec_world: SecWorld, param: str, value: str) -> None:
    response = sec_world.api("admin").get("/api/v1/stats/", {param: value})
    assert response.status_code == 400, (param, value, response.status_code)
    assert "message" in response.json()


@pytest.mark.django_db
def test_good_dates_still_work(sec_world: SecWorld, client: Any) -> None:
    assert client.get("/open311/v2/requests.json", {"start_date": "2026-01-01"}).status_code == 200
    ok = sec_world.api("admin").get("/api/v1/stats/", {"from": "2026-01-01", "to": "2026-12-31"})
    assert ok.status_code == 200
