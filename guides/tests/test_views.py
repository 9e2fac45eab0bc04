"""The public guide pages and PDF routes: search by the words people use, 404 outside the catalogue."""

import pytest
from django.urls import reverse

from agency import selectors as agency_selectors
from agency.models import Matter, Site

pytestmark = pytest.mark.django_db


def _station_offering(code: str) -> Site:
    site = (
        Site.objects.filter(kind=Site.Kind.STATION, site_matters__matter__code=code).order_by("code").first()
    )
    assert site is not None
    return site


@pytest.mark.parametrize(
    ("words", "expected"),
    [("低保", "JZ001"), ("居住证明", "ZM001"), ("出生", "HJ001"), ("社保卡", "SB003"), ("医保", "YB001")],
)
def test_search_by_the_words_people_use(demo, client, words, expected):  # type: ignore[no-untyped-def]
    found = [m.code for m in agency_selectors.matter_search_public(words)]
    assert expected in found
    response = client.get(reverse("guides:index"), {"q": words})
    assert response.status_code == 200
    assert reverse("guides:matter", args=[expected]) in response.content.decode()


def test_search_never_offers_a_bundle_row(demo, client):  # type: ignore[no-untyped-def]
    Matter.objects.create(code="YJS-TEST", name="出生一件事", category=Matter.Category.DOCUMENT)
    assert "YJS-TEST" not in [m.code for m in agency_selectors.matter_search_public("出生")]
    assert client.get(reverse("guides:matter", args=["YJS-TEST"])).status_code == 404


def test_search_within_a_site(demo):  # type: ignore[no-untyped-def]
    site = _station_offering("JZ001")
    offered = {m.code for m in agency_selectors.matter_search_public("", site=site)}
    assert offered == {
        m.code for m in agency_selectors.site_matters_public(agency_selectors.site_get_public(site.code))
    }


def test_guide_page_tells_everything_at_once(demo, client):  # type: ignore[no-untyped-def]
    matter = Matter.objects.get(code="JZ001")
    matter.video_url = "https://video.example.cn/dibao.mp4"
    matter.save()
    site = _station_offering("JZ001")
    body = client.get(reverse("guides:matter", args=["JZ001"]), {"site": site.code}).content.decode()
    for material in matter.materials:
        assert material in body
    assert f"{matter.time_limit_days} 个工作日" in body
    assert "https://video.example.cn/dibao.mp4" in body
    assert reverse("guides:poster", args=[site.code, "JZ001"]) in body


def test_service_link_is_shown_where_residents_meet_the_matter(demo, client):  # type: ignore[no-untyped-def]
    body = client.get(reverse("guides:matter", args=["SB003"])).content.decode()
    assert "https://zwfw.sd.gov.cn/" in body and "爱山东" in body


def test_links_must_be_https():  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    matter = Matter(
        code="T1", name="测试", category=Matter.Category.CERTIFICATE, service_url="javascript:alert(1)"
    )
    with pytest.raises(ValidationError) as exc:
        matter.full_clean()
    assert "service_url" in exc.value.message_dict
    matter.service_url = "http://insecure.example.cn/"
    with pytest.raises(ValidationError):
        matter.full_clean()


def test_pdf_routes(demo, client):  # type: ignore[no-untyped-def]
    site = _station_offering("ZM001")
    poster = client.get(reverse("guides:poster", args=[site.code, "ZM001"]))
    assert poster.status_code == 200 and poster["Content-Type"] == "application/pdf"
    assert poster.content.startswith(b"%PDF")
    leaflet = client.get(reverse("guides:leaflet", args=[site.code]))
    assert leaflet.status_code == 200 and leaflet.content.startswith(b"%PDF")


def test_pdf_routes_404_outside_the_catalogue(demo, client):  # type: ignore[no-untyped-def]
    site = _station_offering("ZM001")
    not_offered = Matter.objects.exclude(site_matters__site=site).exclude(code__startswith="YJS-").first()
    assert not_offered is not None
    assert client.get(reverse("guides:poster", args=[site.code, not_offered.code])).status_code == 404
    assert client.get(reverse("guides:poster", args=["NOPE", "ZM001"])).status_code == 404
    assert client.get(reverse("guides:leaflet", args=["NOPE"])).status_code == 404
    assert client.get(reverse("guides:matter", args=["ZM001"]), {"site": "NOPE"}).status_code == 404


def test_roster_links_the_printables(demo, client):  # type: ignore[no-untyped-def]
    site = _station_offering("ZM001")
    body = client.get(f"/sites/{site.code}/roster/").content.decode()
    assert reverse("guides:leaflet", args=[site.code]) in body


def test_font_check_is_an_error_where_posters_must_print(settings, tmp_path):  # type: ignore[no-untyped-def]
    from guides.checks import check_cjk_font

    settings.GUIDES_CJK_FONT = str(tmp_path / "missing.ttf")
    settings.GUIDES_FONT_REQUIRED = True
    errors = check_cjk_font()
    assert [e.id for e in errors] == ["guides.E001"] and errors[0].is_serious()
    settings.GUIDES_FONT_REQUIRED = False
    assert not check_cjk_font()[0].is_serious()
    settings.GUIDES_CJK_FONT = ""
    assert check_cjk_font() == []  # the installed font is found
