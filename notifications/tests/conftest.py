import pytest

from notifications.tests.backends import RecordingBackend


@pytest.fixture
def sms(settings):
    """Route SMS to the recording backend; yields the class (``sms.sent``, ``sms.script``)."""
    settings.SMS_BACKEND = "notifications.tests.backends.RecordingBackend"
    RecordingBackend.reset()
    yield RecordingBackend
    RecordingBackend.reset()


@pytest.fixture
def no_publish(monkeypatch):
    """Record on-commit publishes instead of calling Celery."""
    published: list[int] = []
    monkeypatch.setattr("notifications.services._publish", published.append)
    return published
