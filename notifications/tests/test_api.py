import pytest
from django.template import Context, Template
from django.test import RequestFactory
from rest_framework.test import APIClient

from agency.tests.factories import UserFactory
from notifications.models import Notification
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


def inapp(user, key, **kw):
    return notification_enqueue(
        dedupe_key=key,
        template="case_assigned",
        context={"case_no": key, "matter": "低保", "site_name": "王庄村便民服务站"},
        recipient_user_id=user.pk,
        channel="inapp",
        audience="staff",
        **kw,
    )


@pytest.fixture
def user():
    return UserFactory(username="grid1")


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_own_notifications_paginated(api, user):
    other = UserFactory(username="other")
    mine = [inapp(user, f"BB{i}") for i in range(3)]
    inapp(other, "BBX")
    notification_enqueue(
        dedupe_key="sms1", template="due_soon", context={}, recipient_phone="13800138000", audience="staff"
    )
    body = api.get("/api/v1/notifications/").json()
    assert body["count"] == 3
    assert {r["id"] for r in body["results"]} == {n.pk for n in mine}
    first = body["results"][0]
    assert set(first) == {"id", "template", "text", "at", "read", "read_at"}
    assert first["read"] is False
    assert first["text"].startswith("王庄村便民服务站：新帮办件")


def test_unread_count_and_mark_read(api, user):
    a = inapp(user, "BB1")
    inapp(user, "BB2")
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    response = api.post(f"/api/v1/notifications/{a.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert api.post(f"/api/v1/notifications/{a.pk}/read/").status_code == 200  # idempotent
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_cannot_mark_someone_elses_notification(api):
    theirs = inapp(UserFactory(username="other"), "BB9")
    response = api.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_requires_login():
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


def test_future_inapp_rows_are_not_shown_yet(api, user):
    import datetime as dt

    from django.utils import timezone

    inapp(user, "later", send_after=timezone.now() + dt.timedelta(hours=1))
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_bell_tag_shows_unread_count(user):
    inapp(user, "BB1")
    inapp(user, "BB2")
    request = RequestFactory().get("/m/")
    request.user = user
    html = Template("{% load notifications_tags %}{% notification_bell %}").render(
        Context({"request": request})
    )
    assert 'href="/notifications/"' in html
    assert '<span class="badge">2</span>' in html


def test_bell_tag_hidden_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = Template("{% load notifications_tags %}{% notification_bell %}").render(
        Context({"request": request})
    )
    assert html.strip() == ""


def test_notifications_page_lists_and_marks_read_without_js(client, user):
    row = inapp(user, "BB1")
    client.force_login(user)
    page = client.get("/notifications/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "BB1" in content
    assert "1条未读" in content
    response = client.post(f"/notifications/{row.pk}/read/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None
    other = inapp(UserFactory(username="x2"), "BB2")
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404


def test_notifications_page_requires_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Notification.objects.count() == 0
