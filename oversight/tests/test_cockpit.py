"""The cockpit (issue 32): tiles against the hand-computed stats fixture, change vs the previous period, the
tables shown without JavaScript, the JSON the wall screen refreshes from, and every click-through listing
exactly the cases its figure counts."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from oversight import stats
from oversight.tests.test_stats import build_stats_fixture
from workflows.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fx(world):
    return build_stats_fixture(world)


def _params(**extra):
    today = timezone.localdate()
    return {
        "period": "custom",
        "from": (today - dt.timedelta(days=30)).isoformat(),
        "to": today.isoformat(),
        **extra,
    }


def _listed(client, url):
    html = client.get(url + "&per=100").content.decode()
    return set(re.findall(r'<tr data-case="([^"]+)"', html))


def test_tiles_match_the_stats_and_compare_with_the_previous_period(client, world, fx):
    CaseFactory(site=world.station, matter=world.matter, created_at=timezone.now() - dt.timedelta(days=45))
    client.force_login(world.admin)
    data = client.get("/cockpit/data/", _params()).json()
    tiles = {t["key"]: t for t in data["tiles"]}
    assert tiles["received"]["value"] == 8 and tiles["open"]["value"] == 4 and tiles["overdue"]["value"] == 2
    assert tiles["on_time_rate"]["text"] == "50.0%" and tiles["satisfaction_rate"]["text"] == "50.0%"
    assert tiles["bad_open"]["value"] == 2  # r5 and r7: no rectification report yet
    assert (
        tiles["standards"]["text"] == "0/5"
    )  # standards' tile (registered by the app): 2 centers, 3 stations
    # the previous 31 days (T-61 … T-31): e (T-40), j (T-60) and the extra case (T-45) were received then
    assert tiles["received"]["delta"]["value"] == 8 - 3 and tiles["received"]["delta"]["dir"] == "up"
    assert data["previous"]["to"] == (timezone.localdate() - dt.timedelta(days=31)).isoformat()
    towns = {t["name"]: t for t in data["towns"]}
    assert towns[world.center.name]["received"] == 7 and towns[world.center2.name]["received"] == 1
    assert towns[world.center.name]["on_time_rate"] == 0.5  # c, h on time of c, d, e, h
    matters = {m["matter"]: m for m in data["matters"]}
    assert (
        matters[world.consult.code]["closed"] == 1 and matters[world.consult.code]["satisfaction_rate"] == 0.5
    )


def test_every_click_through_lists_exactly_the_cases_it_counts(client, world, fx):
    client.force_login(world.admin)
    data = client.get("/cockpit/data/", _params()).json()
    tiles = {t["key"]: t for t in data["tiles"]}
    names = {v.case_no: k for k, v in fx.items()}
    assert {names[n] for n in _listed(client, tiles["open"]["url"])} == {"a", "b", "g", "i"}
    assert {names[n] for n in _listed(client, tiles["overdue"]["url"])} == {"b", "i"}
    assert {names[n] for n in _listed(client, tiles["on_time_rate"]["url"])} == {"c", "d", "e", "h"}  # closed
    assert {names[n] for n in _listed(client, tiles["received"]["url"])} == set("abcdfghi")
    checked = 0
    for t in data["towns"] + data["sites"]:
        for key in ("open", "overdue", "closed"):
            assert len(_listed(client, t[f"{key}_url"])) == t[key], (t["name"], key)
            checked += 1
    for m in data["matters"]:
        assert len(_listed(client, m["received_url"])) == m["received"]
        assert len(_listed(client, m["closed_url"])) == m["closed"]
        assert len(_listed(client, m["on_time_url"])) == m["on_time"]
        checked += 3
    for d in data["trend"]:
        if d["new"] or d["closed"]:
            assert len(_listed(client, d["new_url"])) == d["new"]
            assert len(_listed(client, d["closed_url"])) == d["closed"]
            checked += 2
    assert checked > 20
    q = parse_qs(urlparse(tiles["overdue"]["url"]).query)
    assert q["figure"] == ["overdue"] and q["from"] and q["to"]


def test_page_without_javascript_shows_the_same_figures_as_tables(client, world, fx):
    client.force_login(world.town)
    response = client.get("/cockpit/", _params())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cockpit-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "cdn" not in html.lower()
    town_table = html.split('id="ck-data-towns"')[1].split("</details>")[0]
    assert world.center.name in town_table and world.center2.name not in town_table  # town staff: own town
    body = stats.stats_compute(
        scope=stats.stats_scope(user=world.town),
        period=stats.Period(*(dt.date.fromisoformat(_params()[k]) for k in ("from", "to"))),
    )
    tiles = html.split('id="ck-tiles"')[1].split("</ul>")[0]
    assert f"data-value>{body['open']}<" in tiles and f"data-value>{body['overdue']}<" in tiles
    wall = client.get("/cockpit/wall/", _params()).content.decode()
    assert 'data-refresh-url="/cockpit/data/?' in wall and "<noscript>" in wall


def test_cockpit_refuses_non_staff_and_bad_input(client, world, fx):
    client.force_login(world.grid_worker)
    assert client.get("/cockpit/").status_code == 403
    assert client.get("/cockpit/data/").status_code == 403
    client.force_login(world.admin)
    assert client.get("/cockpit/", {"site": "nope"}).status_code == 404
    assert client.get("/cockpit/", _params(**{"from": "bad"})).status_code == 200  # falls back, says why
    assert client.get("/staff/cases/?figure=bogus&from=x").status_code == 200  # bad filter values drop
