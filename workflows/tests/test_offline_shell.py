"""The installable offline shell of /m/ (issue 14): manifest, service worker, offline data."""

import json

import pytest
from django.contrib.staticfiles import finders

from workflows.offline import phone_key
from workflows.tests.helpers import new_case

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_with_a_scope_covering_m(client):
    res = client.get("/m/sw.js")
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/javascript")
    assert res["Service-Worker-Allowed"] == "/m/"
    assert res["Cache-Control"] == "no-cache"
    body = res.content.decode()
    assert '"/m/offline/"' in body and "/static/js/offline.js" in body
    assert "http://" not in body and "https://" not in body  # no CDN


def test_manifest_installs_to_the_home_screen(client):
    res = client.get("/m/manifest.webmanifest")
    assert res["Content-Type"] == "application/manifest+json"
    data = json.loads(res.content)
    assert data["display"] == "standalone" and data["start_url"] == "/m/" and data["scope"] == "/m/"
    assert data["theme_color"] and data["name"]
    for icon in data["icons"]:
        assert icon["src"].startswith("/static/m/")
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_m_pages_link_the_manifest_and_the_offline_shell(client, world):
    client.force_login(world.grid_worker)
    html = client.get("/m/").content.decode()
    assert 'rel="manifest" href="/m/manifest.webmanifest"' in html
    assert "js/offline.js" in html and 'id="queue-badge"' in html
    assert client.get("/m/offline/").status_code == 200


def test_offline_data_has_catalog_own_open_cases_masked_and_hashed_history(client, world):
    mine = new_case(world, resident_phone="139 0013 9000", resident_name="李大爷")
    other = new_case(world, actor=world.grid_worker2, resident_phone="137 0013 7000")
    client.force_login(world.grid_worker)
    data = client.get("/m/offline/data.json").json()
    assert data["user"] == "w_grid"
    matter = next(m for m in data["matters"] if m["code"] == world.matter.code)
    assert matter["materials"] == world.matter.materials
    assert [s["code"] for s in data["sites"]] == [world.station.code]
    assert [c["case_no"] for c in data["cases"]] == [mine.case_no]  # only the worker's own
    assert data["cases"][0]["resident_phone"] == "139****9000"
    assert "13900139000" not in json.dumps(data) and other.case_no not in json.dumps(data)
    # issue 33: no full names or addresses in the cached bundle
    assert data["cases"][0]["resident_name"] == "李**"
    assert "李大爷" not in json.dumps(data, ensure_ascii=False)
    assert phone_key(username="w_grid", e164="+8613900139000") not in data["history"]


def test_offline_data_needs_login(client):
    assert client.get("/m/offline/data.json").status_code == 302
