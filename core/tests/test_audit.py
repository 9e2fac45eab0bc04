import pytest
from django.contrib.auth.models import AnonymousUser

from core.models import AuditLog, User
from core.services import audit_log

pytestmark = pytest.mark.django_db


def test_audit_log_records_actor_and_detail():
    user = User.objects.create_user(username="auditor", password="x-Pass-123")
    row = audit_log(
        actor=user,
        action="view_unmasked_phone",
        target_type="case",
        target_id=42,
        ip="127.0.0.1",
        detail={"field": "resident_phone"},
    )
    row.refresh_from_db()
    assert row.actor == user
    assert (row.action, row.target_type, row.target_id, row.ip) == (
        "view_unmasked_phone",
        "case",
        "42",
        "127.0.0.1",
    )
    assert row.detail == {"field": "resident_phone"}
    assert row.at is not None


def test_anonymous_actor_is_stored_as_none():
    row = audit_log(actor=AnonymousUser(), action="export")  # type: ignore[arg-type]
    assert row.actor is None
    assert AuditLog.objects.count() == 1


def test_invalid_ip_is_rejected():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        audit_log(actor=None, action="x", ip="not-an-ip")
    assert AuditLog.objects.count() == 0
