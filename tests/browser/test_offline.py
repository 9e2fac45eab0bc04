"""Issue 14: a grid worker logs two requests with photos in a village without signal; they reach the server
exactly once when the phone is back online, and a replayed sync (a lost response) changes nothing."""

import pytest
from playwright.sync_api import expect

from agency.tests.factories import SiteMatterFactory
from tests.browser.conftest import assert_fits_phone
from uploads.models import MaterialPhoto
from uploads.tests.factories import jpeg_bytes
from workflows.models import Case
from workflows.tests.factories import make_world
from workflows.tests.helpers import new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_STATES = (
    "() => new Promise((ok) => { const r = indexedDB.open('bangban-offline', 1); r.onsuccess = () => {"
    " const q = r.result.transaction('queue').objectStore('queue').getAll(); q.onsuccess = () => ok(q.result.map("
    "(i) => [i.state, i.case_no || null, (i.photos || []).filter((p) => p.done).length])); }; })"
)
# A lost response: the phone never heard that its sends arrived, so every item goes back to "pending".
FORGET_SYNC = (
    "() => new Promise((ok) => { const r = indexedDB.open('bangban-offline', 1); r.onsuccess = () => {"
    " const t = r.result.transaction('queue', 'readwrite'); const s = t.objectStore('queue'); const q = s.getAll();"
    " q.onsuccess = () => q.result.forEach((i) => { i.state = 'pending'; delete i.case_no;"
    " (i.photos || []).forEach((p) => { p.done = false; }); s.put(i); }); t.oncomplete = () => ok(true); }; })"
)


def _fill(page, *, phone: str, name: str, address: str, material: str, photo_name: str) -> None:
    page.fill("#off-phone", phone)
    page.fill("#off-name", name)
    page.fill("#off-address", address)
    page.select_option("#off-photo-material", material)
    page.set_input_files(
        "#off-photo", files=[{"name": photo_name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(gps=True)}]
    )
    expect(page.locator("#off-photos li")).to_have_count(1)
    page.click("#offline-save")


def test_offline_requests_sync_exactly_once(page_360, live_server, login, screenshot):
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    earlier = new_case(world, resident_phone="139 0013 9000", resident_name="李大爷", address="幸福村5组8号")
    page = page_360
    context = page.context

    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.reload()  # now under the worker's control: the shell and its data are cached
    page.wait_for_selector("html[data-offline-ready='1']")
    expect(page.locator("#my-cases")).to_contain_text(earlier.case_no)
    expect(page.locator("#my-cases")).to_contain_text("139****9000")  # masked in the cached list

    context.set_offline(True)
    expect(page.locator("#net-status")).to_be_visible()
    page.select_option("#off-matter", world.matter.code)
    expect(page.locator("#off-materials")).to_contain_text(world.matter.materials[0])  # 一次性告知 offline
    # issue 33: the cached bundle has no names or addresses, so offline nothing is auto-filled from it
    page.fill("#off-phone", "13900139000")
    page.locator("#off-phone").dispatch_event("change")
    expect(page.locator("#off-prefilled")).to_be_hidden()
    expect(page.locator("#off-name")).to_have_value("")
    page.fill("#off-phone", "")
    page.fill("#off-name", "")
    page.fill("#off-address", "")

    _fill(
        page,
        phone="138 0013 8000",
        name="王秀英",
        address="测试村3组12号",
        material=world.matter.materials[0],
        photo_name="id.jpg",
    )
    expect(page.locator("#queue-status")).to_have_text("待同步 1 条")
    _fill(
        page,
        phone="137 0013 7000",
        name="张建国",
        address="测试村1组2号",
        material=world.matter.materials[1],
        photo_name="hukou.jpg",
    )
    expect(page.locator("#queue-status")).to_have_text("待同步 2 条")
    expect(page.locator(".queue-item[data-state=pending]")).to_have_count(2)
    assert_fits_phone(page)
    screenshot(page, "m_offline_queue")
    assert Case.objects.count() == 1  # nothing reached the server

    page.reload()  # still offline: the app opens from the service worker, the queue from IndexedDB
    page.wait_for_selector("html[data-offline-ready='1']")
    expect(page.locator("#queue-status")).to_have_text("待同步 2 条")
    expect(page.locator("#net-status")).to_be_visible()

    context.set_offline(False)  # the "online" event starts the sync; the button is the on-demand path
    page.click("#sync-btn")
    expect(page.locator("#queue-status")).to_have_text("待同步 0 条", timeout=20000)
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(2)
    screenshot(page, "m_offline_synced")

    new_cases = Case.objects.exclude(pk=earlier.pk)
    assert sorted(new_cases.values_list("resident_name", flat=True)) == ["张建国", "王秀英"]
    assert MaterialPhoto.objects.count() == 2
    by_name = {p.case.resident_name: p.material for p in MaterialPhoto.objects.select_related("case")}
    assert by_name == {"王秀英": world.matter.materials[0], "张建国": world.matter.materials[1]}
    first_numbers = sorted(new_cases.values_list("case_no", flat=True))
    assert sorted(s[1] for s in page.evaluate(QUEUE_STATES)) == first_numbers

    # The responses were "lost": the phone sends everything again, with the same keys.
    page.evaluate(FORGET_SYNC)
    page.reload()
    page.wait_for_selector("html[data-offline-ready='1']")
    page.click("#sync-btn")
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(2, timeout=20000)
    expect(page.locator("#queue-status")).to_have_text("待同步 0 条")
    assert Case.objects.exclude(pk=earlier.pk).count() == 2
    assert MaterialPhoto.objects.count() == 2
    states = page.evaluate(QUEUE_STATES)
    assert sorted(s[1] for s in states) == first_numbers  # the same cases answered again
    assert all(s[0] == "done" and s[2] == 1 for s in states)

    # The case page links to the materials checklist: both photos show as collected for their material.
    case = Case.objects.get(resident_name="王秀英")
    page.goto(f"{live_server.url}/m/materials/{case.case_no}/")
    expect(page.locator(f"[data-material='{world.matter.materials[0]}']")).to_have_attribute(
        "data-collected", "1"
    )
    expect(page.locator("#materials-missing")).to_contain_text(world.matter.materials[1])
    assert_fits_phone(page)


def test_case_steps_say_they_need_the_network(page_360, live_server, login):
    world = make_world()
    case = new_case(world)
    from workflows import services

    services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
    page = page_360
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/cases/{case.case_no}/")
    page.context.set_offline(True)
    page.fill("#id_visit-note", "已上门")
    page.click("#action-visit button[type=submit]")
    expect(page.locator(".offline-note")).to_contain_text("此操作需要联网")
    expect(page.locator(".offline-note a")).to_have_attribute("href", "/m/offline/")  # a pointer to 离线登记
    page.context.set_offline(False)
    case.refresh_from_db()
    assert case.status == Case.Status.ASSIGNED


def _bundle_form_used_online(page, live_server, login):
    """A grid worker with the offline data cached who has opened the 出生一件事 form once online (the service
    worker keeps it): the start of every offline 一件事 test. Returns the bundle world."""
    from bundles.tests.factories import add_birth_bundle

    bw = add_birth_bundle(make_world())
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.reload()
    page.wait_for_selector("html[data-offline-ready='1']")
    page.goto(f"{live_server.url}/m/bundles/{bw.bundle.code}/")  # online once: the worker keeps the form
    page.wait_for_selector("#bundle-intake-form")
    return bw


def test_refused_request_stays_on_the_phone_editable_and_resendable(page_360, live_server, login):
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    page = page_360
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_selector("html[data-offline-ready='1']")
    page.context.set_offline(True)
    page.fill("#off-phone", "12345")  # not a mobile number: the server will refuse it
    page.fill("#off-name", "王秀英")
    page.fill("#off-address", "测试村3组12号")
    page.click("#offline-save")
    expect(page.locator("#queue-status")).to_have_text("待同步 1 条")

    page.context.set_offline(False)
    page.click("#sync-btn")
    item = page.locator(".queue-item[data-state=error]")
    expect(item).to_contain_text("请输入有效的手机号码")  # the server's own message, kept on the phone
    expect(item).to_contain_text("居民手机号：")  # issue 26: the form's label, never the API's field key
    expect(item).not_to_contain_text("resident_phone")
    expect(page.locator("#queue-status")).to_have_text("待同步 1 条")
    assert Case.objects.count() == 0

    item.locator("[data-edit]").click()
    expect(page.locator("#off-name")).to_have_value("王秀英")
    page.fill("#off-phone", "138 0013 8000")
    page.click("#offline-save")  # saved back as pending and sent at once (online)
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(1, timeout=20000)
    expect(page.locator("#queue-status")).to_have_text("待同步 0 条")
    assert list(Case.objects.values_list("resident_name", flat=True)) == ["王秀英"]


def test_new_request_pages_used_online_queue_offline_with_what_was_typed(
    page_360, live_server, login, screenshot
):
    """Issue 26: after 新建 was used online, the service worker serves the cached category page and matter
    form offline; 提交登记 there used to say "此操作需要联网" and lose the request. Now it goes into the
    offline queue (and is sent once, online); a matter page never cached opens 离线登记 on that matter."""
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    other = SiteMatterFactory(site=world.station, matter__name="低保申请").matter
    page = page_360
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.reload()
    page.wait_for_selector("html[data-offline-ready='1']")

    # online: 新建 → category → matter → the form (each page now in the worker's cache)
    page.goto(f"{live_server.url}/m/")
    page.click("#new-request")
    page.click(f"[data-category='{world.matter.category}']")
    page.click(f"[data-matter='{world.matter.code}']")
    form_url = page.url
    page.wait_for_selector("#case-create-form")

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/new/")  # the cached category page
    page.click(f"[data-category='{world.matter.category}']")
    page.click(f"[data-matter='{world.matter.code}']")
    assert page.url == form_url
    page.fill("#id_resident_phone", "138 0013 8000")
    page.fill("#id_resident_name", "王秀英")
    page.click("#lookup-btn")  # the history lookup needs the server: a note, and what was typed stays
    expect(page.locator(".offline-note")).to_contain_text("无法查找历史信息")
    expect(page.locator("#id_resident_name")).to_have_value("王秀英")
    page.fill("#id_address", "测试村3组12号")
    page.fill("#id_description", "开具居住证明，离线登记")
    page.click("#create-btn")
    page.wait_for_url("**/m/offline/?saved=*")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")
    expect(page.locator("#off-saved")).to_be_visible()
    expect(page.locator("#queue-status")).to_have_text("待同步 1 条")
    expect(page.locator(".queue-item[data-state=pending]")).to_contain_text("王秀英")
    assert_fits_phone(page)
    screenshot(page, "m_offline_from_new_form")

    # a matter page never opened online: 离线登记 opens in its place, on that matter
    page.goto(f"{live_server.url}/m/new/matter/{other.code}/")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1")
    expect(page.locator("#off-matter")).to_have_value(other.code)
    assert Case.objects.count() == 0

    page.context.set_offline(False)
    page.click("#sync-btn")
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(1, timeout=20000)
    case = Case.objects.get()
    assert (case.resident_name, case.address, case.matter_id, case.site_id) == (
        "王秀英",
        "测试村3组12号",
        world.matter.pk,
        world.station.pk,
    )
    assert str(case.resident_phone) == "+8613800138000"
    assert case.description == "开具居住证明，离线登记"


def test_every_new_request_page_links_to_bundle_intake(page_360, live_server, login):
    """Issue 26: 一件事 intake (/m/bundles/) is reachable from /m/, /m/new/ and the offline page."""
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    page = page_360
    login(page, "w_grid")
    for path in ("/m/", "/m/new/", "/m/offline/"):
        page.goto(f"{live_server.url}{path}")
        link = page.locator("#new-bundle")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", "/m/bundles/")
    page.click("#new-bundle")
    expect(page.locator("h1")).to_have_text("一件事登记")


def test_bundle_intake_offline_queues_and_syncs_the_bundle_exactly_once(
    page_360, live_server, login, screenshot
):
    """Issue 26: offline, the 一件事 form (/m/bundles/<code>/, cached once used online) only kept what was typed
    and pointed to 离线登记. Now it saves into the same queue; on sync the item goes to the bundle intake API
    with its id as the Idempotency-Key: one parent and its members, even when the sync is replayed."""
    from bundles.models import BundleCase

    bw = _bundle_form_used_online(page_360, live_server, login)
    page = page_360

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/bundles/{bw.bundle.code}/")  # the cached copy
    page.fill("#id_resident_phone", "139 0013 9000")
    page.fill("#id_resident_name", "李娜")
    page.click("#bundle-create-btn")  # the address is missing: said offline, nothing saved, typing kept
    expect(page.locator(".offline-note")).to_contain_text("住址")
    expect(page.locator("#id_resident_name")).to_have_value("李娜")
    page.fill("#id_address", "幸福村5组8号")
    page.click("#bundle-create-btn")
    page.wait_for_url("**/m/offline/?saved=*")
    expect(page.locator("#off-saved")).to_be_visible()
    expect(page.locator("#queue-status")).to_have_text("待同步 1 条")
    expect(page.locator(".queue-item[data-state=pending]")).to_contain_text("李娜 · 出生一件事（一件事）")
    assert_fits_phone(page)
    screenshot(page, "m_offline_bundle_queued")
    assert Case.objects.count() == 0

    page.context.set_offline(False)
    page.click("#sync-btn")
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(1, timeout=20000)
    holder = BundleCase.objects.select_related("case").get()
    parent = holder.case
    assert (parent.resident_name, parent.address, parent.site_id) == ("李娜", "幸福村5组8号", bw.w.station.pk)
    assert Case.objects.filter(bundle_parent=parent).count() == 4 and Case.objects.count() == 5
    expect(page.locator(".queue-item .case-link")).to_have_text(parent.case_no)

    # a lost response: the phone sends the same item again; the key answers the first parent, nothing new
    page.evaluate(FORGET_SYNC)
    page.reload()
    page.wait_for_selector("html[data-offline-ready='1']")
    page.click("#sync-btn")
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(1, timeout=20000)
    expect(page.locator(".queue-item .case-link")).to_have_text(parent.case_no)
    assert BundleCase.objects.count() == 1 and Case.objects.count() == 5


def test_history_lookup_on_the_cached_new_form_keeps_what_was_typed_offline(page_360, live_server, login):
    """Offline, 按手机号查找历史信息 on the cached 新建 form reads the phone's cached history, which carries no
    names or addresses (a lost phone's cache must not give them away: the security fix of the offline data):
    it says the number is not on the phone, keeps what was typed, and the request still queues."""
    world = make_world()
    SiteMatterFactory(site=world.station, matter=world.matter)
    new_case(world, resident_phone="139 0013 9000", resident_name="李大爷", address="幸福村5组8号")
    page = page_360
    login(page, "w_grid")
    page.goto(f"{live_server.url}/m/offline/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.reload()
    page.wait_for_selector("html[data-offline-ready='1']")
    page.goto(f"{live_server.url}/m/new/matter/{world.matter.code}/")  # online once: the form is kept
    page.wait_for_selector("#case-create-form")

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/new/matter/{world.matter.code}/")  # the cached copy
    page.fill("#id_resident_name", "李大爷")
    page.fill("#id_resident_phone", "139 0013 9000")
    page.click("#lookup-btn")
    expect(page.locator(".offline-note")).to_contain_text("没有这个号码")
    expect(page.locator("#id_resident_name")).to_have_value("李大爷")  # what was typed stays
    expect(page.locator("#id_address")).to_have_value("")  # nothing came from the cache
    page.fill("#id_address", "幸福村5组8号")
    page.click("#create-btn")  # and it queues as before
    page.wait_for_url("**/m/offline/?saved=*")
    expect(page.locator(".queue-item[data-state=pending]")).to_contain_text("李大爷")


def test_refused_queued_bundle_is_edited_offline_and_resent_once(page_360, live_server, login):
    """Issue 26 leftover: a queued 一件事 the server refused could be re-sent but not corrected; now 修改 opens it
    in the offline form (resident fields editable, the bundle kept, no matter choice) and the fix syncs once."""
    from bundles.models import BundleCase

    bw = _bundle_form_used_online(page_360, live_server, login)
    page = page_360

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/bundles/{bw.bundle.code}/")
    page.fill("#id_resident_phone", "12345")  # not a mobile number: the server will refuse it
    page.fill("#id_resident_name", "李娜")
    page.fill("#id_address", "幸福村5组8号")
    page.click("#bundle-create-btn")
    page.wait_for_url("**/m/offline/?saved=*")
    page.wait_for_selector("html[data-offline-ready='1']")

    page.context.set_offline(False)
    page.click("#sync-btn")
    item = page.locator(".queue-item[data-state=error]")
    expect(item).to_contain_text("居民手机号：")
    assert Case.objects.count() == 0

    page.context.set_offline(True)  # corrected without signal
    item.locator("[data-edit]").click()
    expect(page.locator("#off-bundle")).to_contain_text("出生一件事")
    expect(page.locator("#off-matter")).to_be_hidden()
    expect(page.locator("#off-name")).to_have_value("李娜")
    expect(page.locator("#off-address")).to_have_value("幸福村5组8号")
    page.fill("#off-phone", "139 0013 9000")
    page.click("#offline-save")
    expect(page.locator(".queue-item[data-state=pending]")).to_contain_text("李娜 · 出生一件事（一件事）")
    expect(page.locator("#off-matter")).to_be_visible()  # the form is back to a single request
    assert_fits_phone(page)

    page.context.set_offline(False)
    page.click("#sync-btn")
    expect(page.locator(".queue-item[data-state=done]")).to_have_count(1, timeout=20000)
    parent = BundleCase.objects.select_related("case").get().case
    assert (parent.resident_name, str(parent.resident_phone)) == ("李娜", "+8613900139000")
    assert Case.objects.filter(bundle_parent=parent).count() == 4 and Case.objects.count() == 5
