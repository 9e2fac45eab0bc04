"""The limiter with its counter store down: 503 with ``retry_after``, never a 500 and never an unlimited pass."""

import pytest
import redis

from core import ratelimit
from core.exceptions import ApplicationError, drf_exception_handler


class _DownCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.exceptions.ConnectionError(
                "Error 111 connecting to 127.0.0.1:6379. Connection refused."
            )

        return fail


@pytest.fixture
def store_down(monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", _DownCache())


@pytest.mark.parametrize(
    "call",
    [
        lambda: ratelimit.ratelimit_hit("otp_phone", "+8613800138000"),
        lambda: ratelimit.ratelimit_check_blocked("verify_phone", "+8613800138000"),
        lambda: ratelimit.ratelimit_record_failure("verify_ip", "203.0.113.1"),
    ],
)
def test_every_limit_answers_503_when_the_store_is_down(store_down, call):
    with pytest.raises(ApplicationError) as refused:
        call()
    assert refused.value.status == 503
    assert refused.value.message == ratelimit.STORE_DOWN_MESSAGE
    assert refused.value.extra["retry_after"] == ratelimit.STORE_DOWN_RETRY_AFTER


def test_reset_after_a_success_does_not_undo_it(store_down):
    ratelimit.ratelimit_reset("verify_phone", "+8613800138000")  # logged, not raised


def test_api_answer_carries_retry_after():
    response = drf_exception_handler(
        ApplicationError("验证服务暂时不可用，请稍后再试。", {"retry_after": 30}, status=503), {}
    )
    assert response is not None and response.status_code == 503 and response["Retry-After"] == "30"
    too_many = drf_exception_handler(ratelimit.too_many("otp_ip", retry_after=3600), {})
    assert too_many is not None and too_many["Retry-After"] == "3600"
