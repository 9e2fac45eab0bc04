"""A 一件事's own matter (``YJS-…``, the parent case's) is not a matter residents ask for on its own: the public
matters list and the service map's matter filter leave it out; the bundle stays on its own list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agency.selectors import BUNDLE_MATTER_PREFIX, matter_list_public
from bundles.tests.factories import BundleWorld

pytestmark = pytest.mark.django_db


def test_the_bundle_matter_is_marked_by_the_agency_prefix(bw: BundleWorld) -> None:
    assert bw.bundle.matter is not None
    assert bw.bundle.matter.code == f"{BUNDLE_MATTER_PREFIX}{bw.bundle.code}"
    assert bw.bundle.matter.is_active
    listed = set(matter_list_public().values_list("code", flat=True))
    assert bw.bundle.matter.code not in listed
    assert {bw.hukou.code, bw.yibao.code, bw.jiaofei.code, bw.sbk.code} <= listed


def test_public_matters_api_hides_the_bundle_matter(client, bw: BundleWorld) -> None:
    resp = client.get("/api/v1/matters/")
    assert resp.status_code == 200
    codes = [m["code"] for m in resp.json()]
    assert not [c for c in codes if c.startswith(BUNDLE_MATTER_PREFIX)]
    assert bw.hukou.code in codes and bw.w.matter.code in codes
    # the bundle itself is published through its own list
    assert [b["code"] for b in client.get("/api/v1/bundles/").json()] == ["birth"]


def test_map_matter_filter_offers_no_bundle_matter(client, bw: BundleWorld) -> None:
    html = client.get(reverse("service-map")).content.decode()
    select = re.search(r'<select id="matter" name="matter">(.*?)</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert bw.hukou.code in options
    assert bw.bundle.matter is not None and bw.bundle.matter.code not in options
    assert not [o for o in options if o.startswith(BUNDLE_MATTER_PREFIX)]
