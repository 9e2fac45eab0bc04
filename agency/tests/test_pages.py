import pytest
from django.test import Client
from django.utils import timezone

from agency import services
from agency.tests.factories import AgentFactory, MatterFactory, SiteMatterFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():  # type: ignore[no-untyped-def]
    station = StationFactory(phone="0531-88881111", policy_text="一、首问负责制。\n二、一次性告知制。")
    matter = SiteMatterFactory(site=station, matter=MatterFactory(name="居住证明", time_limit_days=3)).matter
    AgentFactory(
        name="赵一",
        phone="+8613800000001",
        work_phone="",
        publish_mobile_consent=True,
        sites=[station],
        scopes=[matter],
    )
    on_duty = AgentFactory(
        name="钱二",
        phone="+8613800000002",
        work_phone="0531-66660000",
        publish_mobile_consent=False,
        sites=[station],
    )
    AgentFactory(
        name="孙三", phone="+8613800000003", work_phone="", publish_mobile_consent=False, sites=[station]
    )
    AgentFactory(name="李四", phone="+8613800000004", is_published=False, sites=[station])
    services.duty_shift_set(site=station, date=timezone.localdate(), agents=[on_duty])
    return station


def test_roster_page_content(client: Client, station, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://bangban.example.cn"
    response = client.get(f"/sites/{station.code}/roster/")
    assert response.status_code == 200
    html = response.content.decode()
    assert station.name in html
    assert "一次性告知制" in html  # the 帮办代办制度 text
    assert "赵一" in html and "钱二" in html and "孙三" in html
    assert "李四" not in html  # not published
    assert "+8613800000001" in html  # consented mobile
    assert "0531-66660000" in html  # work phone instead of the mobile
    assert "居住证明" in html
    assert "今日值班" in html and "钱二（" in html
    assert "<svg" in html and "https://bangban.example.cn/track/" in html
    assert "@page" in html and "A4" in html
    assert "<script" not in html


def test_roster_page_never_leaks_mobile_without_consent(client: Client, station) -> None:  # type: ignore[no-untyped-def]
    for path in ("roster", "screen"):
        html = client.get(f"/sites/{station.code}/{path}/").content.decode()
        for secret in ("13800000002", "13800000003", "13800000004"):
            assert secret not in html, (path, secret)


def test_screen_page_has_all_panels_without_js(client: Client, station) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/sites/{station.code}/screen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'http-equiv="refresh"' not in html  # axe critical: a page reloading under the reader
    assert "帮办代办人员" in html and "钱二" in html
    assert "可办事项及承诺时限" in html and "居住证明" in html and "3 个工作日" in html
    assert "帮办代办制度" in html and "首问负责制" in html
    assert "<script>" not in html  # only the external, optional screen.js
    assert "<svg" in html


@pytest.mark.parametrize("path", ["roster", "screen"])
def test_unknown_site_404(client: Client, path: str) -> None:
    assert client.get(f"/sites/NOPE/{path}/").status_code == 404


def test_roster_page_query_count_constant(client: Client, station, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    url = f"/sites/{station.code}/roster/"
    client.get(url)
    # 5 for the roster itself, then one batch each from the apps built on it: the site's 一件事 (bundles),
    # its approved tier (standards), qualification rules + attendance (training). Constant in the agents.
    with django_assert_max_num_queries(9) as ctx:
        client.get(url)
    before = len(ctx.captured_queries)
    for _ in range(10):
        AgentFactory(sites=[station], scopes=[MatterFactory()])
    with django_assert_max_num_queries(before):
        client.get(url)


def test_roster_shows_phones_as_people_read_them(client: Client) -> None:
    """Issue 26: the on-duty line showed raw E.164 (+8618653100005); now 186 5310 0005, as elsewhere."""
    import re

    station = StationFactory(phone="0531-88881111")
    agent = AgentFactory(
        name="周五", phone="+8618653100005", work_phone="", publish_mobile_consent=True, sites=[station]
    )
    services.duty_shift_set(site=station, date=timezone.localdate(), agents=[agent])
    page = client.get(f"/sites/{station.code}/roster/").content.decode()
    duty = page.split('class="duty"', 1)[1].split("</p>", 1)[0]
    assert '<a href="tel:+8618653100005">186 5310 0005</a>' in duty
    text = re.sub(r"<[^>]+>", " ", page)  # what a person reads: the E.164 form only inside tel: links
    assert "+8618653100005" not in text and "186 5310 0005" in text
    screen = client.get(f"/sites/{station.code}/screen/").content.decode()
    assert "186 5310 0005" in screen and "+8618653100005" not in re.sub(r"<[^>]+>", " ", screen)
