"""好差评: feedback rules, the bad-rating loop with frozen time, appeals, escalation sweeps, auto-close."""

import datetime as dt
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from residents import doorstep
from residents import services as resident_services
from residents.models import Appeal, Callback, Rating, Rectification
from residents.selectors import ratings_for_stats
from residents.tasks import bad_rating_sweep, feedback_autoclose_sweep
from residents.tests.track_helpers import OTHER_PHONE, PHONE, completed_case, outbox, private_cache  # noqa: F401
from workflows import case_closing, feedback_links, intake_services
from workflows.models import Case, CaseEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

# Monday 2 March 2026, 10:00 in Shanghai (a plain working week: no holidays until 4 April).
MONDAY_10 = "2026-03-02 02:00:00"


def resident_client(outbox, phone=PHONE) -> APIClient:  # noqa: F811
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    client.post("/api/v1/track/otp/", {"phone": phone}, format="json")
    code = outbox.of("otp_code")[-1]["context"]["code"]
    token = client.post("/api/v1/track/verify/", {"phone": phone, "code": code}, format="json").json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def staff_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rate(client, case, value, **extra):
    return client.post(
        f"/api/v1/track/cases/{case.case_no}/feedback/",
        {"rating": value, "comment": "", **extra},
        format="json",
    )


# --- rules ----------------------------------------------------------------------------------------------


def test_good_rating_201_and_case_stays_completed(world, outbox):  # noqa: F811
    case = completed_case(world)
    client = resident_client(outbox)
    response = rate(client, case, 5, comment="很好", aspects={"服务态度": 5, "办事效率": 4})
    assert response.status_code == 201, response.content
    assert response.json()["case_status"] == "completed"
    rating = Rating.objects.get()
    assert rating.value == 5 and rating.aspects == {"服务态度": 5, "办事效率": 4}
    assert rating.site == world.station and rating.agent == world.agent_grid
    assert not outbox.of("bad_rating")
    assert CaseEvent.objects.filter(case=case, kind="rating", public=True).exists()
    # one rating per case
    assert rate(client, case, 4).status_code == 409
    item = client.get("/api/v1/track/cases/").json()[0]
    assert item["feedback_allowed"] is False


def test_rating_values_and_aspects_validated(world, outbox):  # noqa: F811
    case = completed_case(world)
    client = resident_client(outbox)
    assert rate(client, case, 0).status_code == 400
    assert rate(client, case, 6).status_code == 400
    assert rate(client, case, "abc").status_code == 400
    assert rate(client, case, 4, aspects={"颜值": 5}).status_code == 400
    assert rate(client, case, 4, aspects={"服务态度": 9}).status_code == 400
    assert not Rating.objects.exists()


def test_cannot_rate_before_completion(world, outbox):  # noqa: F811

    case = intake_services.case_create(
        actor=world.staff,
        site=world.station,
        matter=world.matter,
        resident_name="王五",
        resident_phone=PHONE,
        address="村里",
    )
    client = resident_client(outbox)
    response = rate(client, case, 5)
    assert response.status_code == 409
    assert response.json()["extra"]["status"] == "new"


def test_another_residents_case_is_404(world, outbox):  # noqa: F811
    theirs = completed_case(world, phone=OTHER_PHONE)
    client = resident_client(outbox, PHONE)
    assert rate(client, theirs, 1).status_code == 404
    assert rate(client, SimpleNamespace(case_no="BB2611-XXXXXXX"), 1).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "completed"
    assert not Rating.objects.exists()


def test_feedback_requires_token(world):
    case = completed_case(world)
    response = APIClient().post(f"/api/v1/track/cases/{case.case_no}/feedback/", {"rating": 1}, format="json")
    assert response.status_code in (401, 403)


# --- the bad-rating loop ---------------------------------------------------------------------------------


def test_full_bad_rating_loop_with_frozen_time(world, outbox):  # noqa: F811
    with freeze_time(MONDAY_10) as frozen:
        case = completed_case(world)
        client = resident_client(outbox)
        response = rate(client, case, 1, comment="态度很差，跑了三趟")
        assert response.status_code == 201
        assert response.json()["case_status"] == "rectifying"
        rating = Rating.objects.get()
        # station staff alerted at once
        alerts = outbox.of("bad_rating")
        assert alerts and {a["audience"] for a in alerts} == {"staff"}
        assert alerts[0]["recipient_user_id"] == world.staff.pk
        # deadlines: call-back by end of Tuesday (1 working day), report by end of next Monday (5)
        local = lambda v: v.astimezone(dt.timezone(dt.timedelta(hours=8)))  # noqa: E731
        assert local(rating.callback_due_at).date() == dt.date(2026, 3, 3)
        assert local(rating.rectify_due_at).date() == dt.date(2026, 3, 9)
        item = client.get("/api/v1/track/cases/").json()[0]
        assert item["status"] == "rectifying" and item["feedback_allowed"] is False

        # Tuesday: nothing late yet
        frozen.tick(dt.timedelta(days=1))
        assert bad_rating_sweep() == 0

        # Wednesday: the call-back is late -> escalated to station + town, exactly once
        frozen.tick(dt.timedelta(days=1))
        assert bad_rating_sweep() == 1
        late = outbox.of("bad_rating_callback_late")
        assert {c["recipient_user_id"] for c in late} == {world.staff.pk, world.town.pk}
        assert bad_rating_sweep() == 0
        assert len(outbox.of("bad_rating_callback_late")) == 2

        # staff log the call-back through the API
        staff = staff_client(world.staff)
        response = staff.post(
            f"/api/v1/ratings/{rating.pk}/callback/", {"note": "已电话致歉，约定重新上门"}, format="json"
        )
        assert response.status_code == 201, response.content
        assert Callback.objects.filter(rating=rating).count() == 1
        assert CaseEvent.objects.filter(case=case, kind="callback", public=False).exists()

        # next Tuesday: the report is late -> town + district escalation
        frozen.tick(dt.timedelta(days=6))
        assert bad_rating_sweep() == 1
        assert outbox.of("bad_rating_rectify_late")
        assert bad_rating_sweep() == 0

        # the rectification report returns the case to completed, open for one follow-up rating
        response = staff.post(
            f"/api/v1/ratings/{rating.pk}/rectify/", {"report": "已批评教育帮办员，重新办理"}, format="json"
        )
        assert response.status_code == 201, response.content
        case.refresh_from_db()
        assert case.status == "completed"
        assert Rectification.objects.get(rating=rating).resident_notified_at is not None
        assert CaseEvent.objects.filter(case=case, kind="rectified").exists()
        client = resident_client(outbox)  # days later: the 30-minute token has long expired
        item = client.get("/api/v1/track/cases/").json()[0]
        assert item["feedback_allowed"] is True and item["feedback_followup"] is True
        assert "再次评价" in item["status_label"]

        response = rate(client, case, 4, comment="后来处理得不错")
        assert response.status_code == 201
        assert response.json()["is_followup"] is True
        case.refresh_from_db()
        assert case.status == "completed"  # a rating never closes a case by itself
        assert rate(client, case, 5).status_code == 409
        assert Rating.objects.filter(case=case).count() == 2


def test_callback_in_time_is_not_escalated(world, outbox):  # noqa: F811
    with freeze_time(MONDAY_10) as frozen:
        case = completed_case(world)
        rating = resident_services.rating_create(case=case, value=2, comment="慢")
        resident_services.rating_callback_log(actor=world.staff, rating=rating, note="已回访")
        frozen.tick(dt.timedelta(days=2))
        bad_rating_sweep()
        assert not outbox.of("bad_rating_callback_late")


def test_rectify_through_case_action_records_at_once(world, outbox):  # noqa: F811

    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1)
    case_closing.case_rectify(actor=world.staff, case=Case.objects.get(pk=case.pk), note="已整改到位")
    rect = Rectification.objects.get(rating=rating)
    assert rect.report == "已整改到位"
    assert resident_services.rating_kind_allowed(Case.objects.get(pk=case.pk)) is True


def test_staff_scope_and_roles_for_loop_actions(world, outbox):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1)
    other_town = staff_client(world.staff2)
    assert (
        other_town.post(f"/api/v1/ratings/{rating.pk}/callback/", {"note": "x"}, format="json").status_code
        == 404
    )
    grid = staff_client(world.grid_worker)
    assert (
        grid.post(f"/api/v1/ratings/{rating.pk}/callback/", {"note": "x"}, format="json").status_code == 403
    )
    assert APIClient().post(
        f"/api/v1/ratings/{rating.pk}/callback/", {"note": "x"}, format="json"
    ).status_code in (
        401,
        403,
    )
    assert (
        staff_client(world.staff)
        .post("/api/v1/ratings/999999/callback/", {"note": "x"}, format="json")
        .status_code
        == 404
    )
    listed = staff_client(world.staff).get("/api/v1/ratings/?bad=1").json()
    assert [r["id"] for r in listed] == [rating.pk]
    assert staff_client(world.staff2).get("/api/v1/ratings/").json() == []


def test_good_rating_needs_no_callback(world, outbox):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=4)
    response = staff_client(world.staff).post(
        f"/api/v1/ratings/{rating.pk}/callback/", {"note": "x"}, format="json"
    )
    assert response.status_code == 409


# --- appeals ---------------------------------------------------------------------------------------------


def test_appeal_accepted_excludes_from_stats_but_keeps_record(world, outbox):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1, comment="恶意差评")
    staff = staff_client(world.staff)
    response = staff.post(
        f"/api/v1/ratings/{rating.pk}/appeal/", {"reason": "该群众与本事项无关，系恶意评价"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    # only one appeal per rating
    assert (
        staff.post(f"/api/v1/ratings/{rating.pk}/appeal/", {"reason": "again"}, format="json").status_code
        == 409
    )
    # station staff may not decide; another town's staff do not see it
    assert (
        staff.post(f"/api/v1/ratings/{rating.pk}/appeal/decide/", {"accept": True}, format="json").status_code
        == 403
    )
    assert (
        staff_client(world.staff2)
        .post(f"/api/v1/ratings/{rating.pk}/appeal/decide/", {"accept": True}, format="json")
        .status_code
        == 404
    )
    town = staff_client(world.town)
    response = town.post(
        f"/api/v1/ratings/{rating.pk}/appeal/decide/", {"accept": True, "note": "核实属实"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    rating.refresh_from_db()
    assert rating.excluded is True
    assert Rating.objects.filter(pk=rating.pk).exists()
    assert not ratings_for_stats().filter(pk=rating.pk).exists()
    appeal = Appeal.objects.get()
    assert appeal.decided_by == world.town
    # decided once
    assert (
        town.post(f"/api/v1/ratings/{rating.pk}/appeal/decide/", {"accept": False}, format="json").status_code
        == 409
    )


def test_appeal_rejected_keeps_rating_in_stats(world, outbox):  # noqa: F811
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=2)
    appeal = resident_services.appeal_file(actor=world.staff, rating=rating, reason="理由")
    resident_services.appeal_decide(actor=world.town, appeal=appeal, accept=False, note="不成立")
    rating.refresh_from_db()
    assert rating.excluded is False
    assert ratings_for_stats().filter(pk=rating.pk).exists()


def test_excluded_rating_is_not_escalated(world, outbox):  # noqa: F811
    with freeze_time(MONDAY_10) as frozen:
        case = completed_case(world)
        rating = resident_services.rating_create(case=case, value=1)
        appeal = resident_services.appeal_file(actor=world.staff, rating=rating, reason="恶意")
        resident_services.appeal_decide(actor=world.town, appeal=appeal, accept=True)
        frozen.tick(dt.timedelta(days=10))
        assert bad_rating_sweep() == 0


# --- auto-close ------------------------------------------------------------------------------------------


def test_autoclose_after_feedback_window(world, outbox):  # noqa: F811
    with freeze_time(MONDAY_10) as frozen:
        case = completed_case(world)
        rectifying = completed_case(world, phone=OTHER_PHONE)
        resident_services.rating_create(case=rectifying, value=1)
        assert feedback_autoclose_sweep() == 0
        frozen.tick(dt.timedelta(days=3))
        assert feedback_autoclose_sweep() == 0
        frozen.tick(dt.timedelta(days=6))  # past 5 working days
        assert feedback_autoclose_sweep() == 1
        assert feedback_autoclose_sweep() == 0  # idempotent
        case.refresh_from_db()
        assert case.status == "closed"
        event = CaseEvent.objects.filter(case=case, kind="closed").get()
        assert "自动" in event.note
        rectifying.refresh_from_db()
        assert rectifying.status == "rectifying"  # a bad rating under rectification never auto-closes


# --- kiosk and links -------------------------------------------------------------------------------------


def test_kiosk_rating_by_agent_and_by_case(world, outbox):  # noqa: F811
    world.agent_grid.is_published = True
    world.agent_grid.save()
    rating = resident_services.rating_create_kiosk(site=world.station, value=2, agent=world.agent_grid)
    assert rating.case is None and rating.channel == "kiosk"
    assert outbox.of("bad_rating")
    case = completed_case(world)
    with pytest.raises(Exception) as exc:
        resident_services.rating_create_kiosk(
            site=world.station, value=5, case_no=case.case_no, phone_tail_digits="0000"
        )
    assert getattr(exc.value, "status", None) == 404
    rating = resident_services.rating_create_kiosk(
        site=world.station, value=5, case_no=case.case_no, phone_tail_digits="8000"
    )
    assert rating.case == case


def test_feedback_link_signed_and_expiring(world, settings):
    case = completed_case(world)
    token = feedback_links.feedback_link_token(case=case)
    assert feedback_links.feedback_link_case(token) == (case, False)
    with pytest.raises(Exception) as exc:
        feedback_links.feedback_link_case(token[:-2] + "xx")
    assert getattr(exc.value, "status", None) == 404
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        with pytest.raises(Exception) as exc:
            feedback_links.feedback_link_case(token)
        assert getattr(exc.value, "status", None) == 404


# --- doorstep requests (staff side) ------------------------------------------------------------------------


def test_doorstep_requests_listed_for_station_special_groups_first(world, outbox):  # noqa: F811
    completed_case(world)
    plain = doorstep.doorstep_request_create(phone=PHONE, note="帮忙办证")
    elderly = doorstep.doorstep_request_create(
        phone=PHONE, note="老人腿脚不便", special_groups=["elderly", "nonsense"], for_family=True
    )
    assert elderly.special_groups == ["elderly"]
    assert {c["dedupe_key"] for c in outbox.of("doorstep_request")} == {
        f"doorstep:{plain.pk}:agent:{world.staff.agent.pk}:sms",
        f"doorstep:{elderly.pk}:agent:{world.staff.agent.pk}:sms",
    }
    rows = staff_client(world.staff).get("/api/v1/doorstep-requests/").json()
    assert [r["id"] for r in rows] == [elderly.pk, plain.pk]
    assert rows[0]["phone"] == "138****8000"
    assert staff_client(world.staff2).get("/api/v1/doorstep-requests/").json() == []
    assert staff_client(world.grid_worker).get("/api/v1/doorstep-requests/").json() == []
    assert (
        staff_client(world.staff2).post(f"/api/v1/doorstep-requests/{plain.pk}/handled/").status_code == 404
    )
    response = staff_client(world.staff).post(f"/api/v1/doorstep-requests/{plain.pk}/handled/")
    assert response.status_code == 200 and response.json()["status"] == "handled"
    assert staff_client(world.staff).post(f"/api/v1/doorstep-requests/{plain.pk}/handled/").status_code == 409
    assert [r["id"] for r in staff_client(world.staff).get("/api/v1/doorstep-requests/").json()] == [
        elderly.pk
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ratings_only_one_counts(outbox):  # noqa: F811
    """Row lock on the case + the unique constraint: a double tap or two devices yield one rating."""
    import threading

    from django.db import connection

    from core.exceptions import ApplicationError
    from workflows.tests.factories import make_world

    world = make_world()
    case = completed_case(world)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def submit(value: int) -> None:
        try:
            barrier.wait()
            resident_services.rating_create(case=case, value=value)
            results.append("ok")
        except ApplicationError as exc:
            results.append(str(exc.status))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(v,)) for v in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "ok"]
    assert Rating.objects.filter(case=case).count() == 1
