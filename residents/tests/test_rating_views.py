"""Staff pages of the bad-rating loop (/staff/ratings/): render, forms → the API's services, scope, roles."""

from unittest import mock

import pytest
from django.utils import timezone

from residents import services as resident_services
from residents.models import Appeal, Callback, Rating, Rectification
from residents.tests.track_helpers import completed_case
from workflows.models import Case

pytestmark = pytest.mark.django_db

LIST = "/staff/ratings/"


def _bad(world, value: int = 1, comment: str = "等了很久没人来") -> Rating:
    return resident_services.rating_create(case=completed_case(world), value=value, comment=comment)


def _url(rating: Rating, step: str = "") -> str:
    return f"/staff/ratings/{rating.pk}/{step + '/' if step else ''}"


def _spy(name: str):  # type: ignore[no-untyped-def]
    return mock.patch.object(resident_services, name, wraps=getattr(resident_services, name))


def test_list_shows_bad_ratings_in_scope_with_deadlines(client, world):
    bad = _bad(world)
    good = resident_services.rating_create(case=completed_case(world, phone="13900139000"), value=5)
    client.force_login(world.staff)
    res = client.get(LIST)
    assert res.status_code == 200
    html = res.content.decode()
    assert bad.case.case_no in html and good.case.case_no not in html
    assert "非常不满意" in html and "等了很久没人来" in html
    due = timezone.localtime(bad.callback_due_at)
    assert f"回访：{due.month}月{due.day}日 {due:%H:%M}前" in html
    assert 'href="/staff/ratings/"' in html  # the nav link in base_staff.html
    # another town's station staff sees none of it
    client.force_login(world.staff2)
    assert bad.case.case_no not in client.get(LIST).content.decode()


def test_list_overdue_flags(client, world):
    bad = _bad(world)
    Rating.objects.filter(pk=bad.pk).update(
        callback_due_at=bad.created_at.replace(year=2020), rectify_due_at=bad.created_at.replace(year=2020)
    )
    client.force_login(world.staff)
    html = client.get(LIST).content.decode()
    assert "回访超期" in html and "整改超期" in html


def test_detail_renders_forms_for_station_staff(client, world):
    bad = _bad(world)
    client.force_login(world.staff)
    res = client.get(_url(bad))
    assert res.status_code == 200
    html = res.content.decode()
    assert f"/staff/cases/{bad.case.case_no}/" in html
    assert "等了很久没人来" in html
    for step in ("callback", "rectify", "appeal"):
        assert f'action="{_url(bad, step)}"' in html
    assert f'action="{_url(bad, "decide")}"' not in html  # station staff do not decide appeals


def test_callback_form_calls_service(client, world):
    bad = _bad(world)
    client.force_login(world.staff)
    with _spy("rating_callback_log") as spy:
        res = client.post(_url(bad, "callback"), {"callback-reached": "0", "callback-note": "电话未接通"})
    assert res.status_code == 302 and res["Location"] == _url(bad)
    assert spy.call_args.kwargs["note"] == "电话未接通" and spy.call_args.kwargs["reached"] is False
    callback = Callback.objects.get(rating=bad)
    assert callback.reached is False and callback.by == world.staff
    assert "电话未接通" in client.get(_url(bad)).content.decode()


def test_rectify_form_calls_service_and_returns_case_to_completed(client, world):
    bad = _bad(world)
    assert Case.objects.get(pk=bad.case_id).status == "rectifying"
    client.force_login(world.staff)
    with _spy("rating_rectification_report") as spy:
        res = client.post(_url(bad, "rectify"), {"rectify-report": "已约谈帮办员，当日上门补办"})
    assert res.status_code == 302
    assert spy.call_count == 1
    assert Rectification.objects.get(rating=bad).report == "已约谈帮办员，当日上门补办"
    assert Case.objects.get(pk=bad.case_id).status == "completed"
    # a second report is refused by the service: 409, shown on the page, no 500
    res = client.post(_url(bad, "rectify"), {"rectify-report": "again"})
    assert res.status_code == 409 and "该评价已报告整改。" in res.content.decode()
    # the rectified rating leaves the default (open) list but stays under "all"
    assert bad.case.case_no not in client.get(LIST).content.decode()
    assert bad.case.case_no in client.get(LIST + "?show=all").content.decode()


def test_appeal_then_decide(client, world):
    bad = _bad(world)
    client.force_login(world.staff)
    with _spy("appeal_file") as spy:
        res = client.post(_url(bad, "appeal"), {"appeal-reason": "与本事项无关，系恶意评价"})
    assert res.status_code == 302 and spy.call_count == 1
    appeal = Appeal.objects.get(rating=bad)
    assert appeal.status == Appeal.Status.PENDING
    # station staff may not decide: 403 from the service, shown on the page
    res = client.post(_url(bad, "decide"), {"decide-accept": "1", "decide-note": "x"})
    assert res.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING
    # town staff of the center above decide
    client.force_login(world.town)
    html = client.get(_url(bad)).content.decode()
    assert f'action="{_url(bad, "decide")}"' in html
    with _spy("appeal_decide") as spy:
        res = client.post(_url(bad, "decide"), {"decide-accept": "1", "decide-note": "核实属实"})
    assert res.status_code == 302 and spy.call_count == 1
    appeal.refresh_from_db()
    bad.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED and appeal.decision_note == "核实属实"
    assert bad.excluded is True
    # nothing pending any more: 409, not a 500
    res = client.post(_url(bad, "decide"), {"decide-accept": "0"})
    assert res.status_code == 409 and "没有待审核的申诉" in res.content.decode()


def test_district_admin_decides_reject(client, world):
    bad = _bad(world)
    resident_services.appeal_file(actor=world.staff, rating=bad, reason="理由")
    client.force_login(world.admin)
    assert client.post(_url(bad, "decide"), {"decide-accept": "0"}).status_code == 302
    assert Appeal.objects.get(rating=bad).status == Appeal.Status.REJECTED


def test_out_of_scope_is_404(client, world):
    bad = _bad(world)
    client.force_login(world.staff2)
    assert client.get(_url(bad)).status_code == 404
    assert (
        client.post(_url(bad, "callback"), {"callback-reached": "1", "callback-note": "x"}).status_code == 404
    )
    assert not Callback.objects.filter(rating=bad).exists()
    client.force_login(world.staff)
    assert client.get("/staff/ratings/999999/").status_code == 404
    good = resident_services.rating_create(case=completed_case(world, phone="13900139000"), value=5)
    assert client.get(_url(good)).status_code == 404  # the pages handle bad ratings only


def test_non_staff_roles_are_403(client, world):
    bad = _bad(world)
    client.force_login(world.grid_worker)
    assert client.get(LIST).status_code == 403
    assert client.get(_url(bad)).status_code == 403
    assert (
        client.post(_url(bad, "callback"), {"callback-reached": "1", "callback-note": "x"}).status_code == 403
    )
    assert not Callback.objects.filter(rating=bad).exists()
    client.logout()
    assert client.get(LIST).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("callback", {}),
        ("callback", {"callback-reached": "maybe", "callback-note": "x"}),
        ("callback", {"callback-reached": "1", "callback-note": "x" * 2001}),
        ("rectify", {"rectify-report": "   "}),
        ("appeal", {"appeal-reason": ""}),
        ("decide", {"decide-accept": ""}),
    ],
)
def test_bad_input_is_400_not_500(client, world, step, data):
    bad = _bad(world)
    client.force_login(world.town if step == "decide" else world.staff)
    res = client.post(_url(bad, step), data)
    assert res.status_code == 400
    assert 'role="alert"' in res.content.decode() or "errorlist" in res.content.decode()
    assert not Callback.objects.filter(rating=bad).exists()
    assert not Rectification.objects.filter(rating=bad).exists()


def test_unknown_step_and_get_on_step(client, world):
    bad = _bad(world)
    client.force_login(world.staff)
    assert client.post(_url(bad, "delete")).status_code == 404
    assert client.get(_url(bad, "callback")).status_code == 405
    assert client.get(LIST + "?page=abc&show=zzz").status_code == 200
