import pytest

from agency.tests.factories import UserFactory
from notifications.models import MessageTemplate, Notification
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def row(no_publish):
    return notification_enqueue(
        dedupe_key="case:BB1:received", template="case_received", context={"case_no": "BB1"},
        recipient_phone="13800138000",
    )  # fmt: skip


def test_outbox_admin_pages_mask_the_phone(admin_client, row):
    listing = admin_client.get("/admin/notifications/notification/")
    assert listing.status_code == 200
    assert "138****8000" in listing.content.decode()
    detail = admin_client.get(f"/admin/notifications/notification/{row.pk}/change/")
    assert detail.status_code == 200
    assert "13800138000" not in detail.content.decode()


def test_admin_actions_cancel_and_retry(admin_client, row):
    url = "/admin/notifications/notification/"
    admin_client.post(url, {"action": "cancel", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == Notification.Status.CANCELLED
    Notification.objects.filter(pk=row.pk).update(status="failed", attempts=6)
    admin_client.post(url, {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING
    assert row.attempts == 0
    assert row.next_attempt_at is not None


def test_template_admin_edits_text(admin_client):
    tpl = MessageTemplate.objects.get(code="due_soon")
    assert admin_client.get("/admin/notifications/messagetemplate/").status_code == 200
    response = admin_client.post(
        f"/admin/notifications/messagetemplate/{tpl.pk}/change/",
        {
            "code": "due_soon",
            "name": tpl.name,
            "audience": tpl.audience,
            "text": "【{site_name}】新文本{case_no}",
        },
    )
    assert response.status_code == 302
    tpl.refresh_from_db()
    assert tpl.text == "【{site_name}】新文本{case_no}"
