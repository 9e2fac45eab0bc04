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


ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI5tTestKeyId", "test-aliyun-access-key-secret"
TENCENT_KEY_ID, TENCENT_SECRET = "AKIDtestSecretId", "test-tencent-secret-key"


def _registered(provider: str) -> dict[str, str]:
    """Every SMS template registered with a provider: ``{template id: text}``, ids as the console assigns."""
    from notifications.rendering import template_text
    from notifications.sms_text import provider_template
    from notifications.templates_registry import SMS_TEMPLATES

    prefix = "SMS_46" if provider == "aliyun" else "189"
    return {
        f"{prefix}{i:04d}": provider_template(t.code, template_text(t.code), provider).text
        for i, t in enumerate(SMS_TEMPLATES)
    }


@pytest.fixture
def providers(db, settings):
    """Both providers' local API servers, with our settings pointing the official SDK clients at them
    (Alibaba Cloud first, Tencent Cloud the fallback). Yields ``(aliyun, tencent)``."""
    from notifications.tests.fake_providers import FakeAliyun, FakeTencent

    aliyun_templates, tencent_templates = _registered("aliyun"), _registered("tencent")
    aliyun = FakeAliyun(key_id=ALIYUN_KEY_ID, secret=ALIYUN_SECRET, templates=aliyun_templates).start()
    tencent = FakeTencent(key_id=TENCENT_KEY_ID, secret=TENCENT_SECRET, templates=tencent_templates).start()
    from notifications.templates_registry import SMS_TEMPLATES

    codes = [t.code for t in SMS_TEMPLATES]
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_FALLBACK_BACKEND = "tencent"
    settings.SMS_FAILOVER_AFTER = 1
    settings.SMS_PROVIDER_TIMEOUT = 1
    settings.SMS_SIGNATURE = "市中区政务服务"
    settings.SMS_TEMPLATE_CODES = {
        "aliyun": dict(zip(codes, aliyun_templates, strict=True)),
        "tencent": dict(zip(codes, tencent_templates, strict=True)),
    }
    settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_KEY_ID, ALIYUN_SECRET
    settings.SMS_ALIYUN_ENDPOINT, settings.SMS_ALIYUN_PROTOCOL = aliyun.endpoint, "http"
    settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY = TENCENT_KEY_ID, TENCENT_SECRET
    settings.SMS_TENCENT_SDK_APP_ID = "1400000001"
    settings.SMS_TENCENT_ENDPOINT, settings.SMS_TENCENT_PROTOCOL = tencent.endpoint, "http"
    settings.SMS_RECEIPT_TOKEN = "receipt-token-for-tests"
    yield aliyun, tencent
    aliyun.stop()
    tencent.stop()
