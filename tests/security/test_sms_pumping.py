"""Issue 33: ``POST /api/v1/track/otp/`` and the ``/track/`` page send codes to mainland mobiles only.

SMS pumping: foreign numbers and landlines were sent codes (paid per message). Each is now a 400 with a
Chinese message and no SMS; a valid mobile still gets the same 202 body whether or not it has cases.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notification
from residents.otp import NOT_MOBILE
from tests.security.conftest import RESIDENT_PHONE, SecWorld

REFUSED = [
    "+12025550123",  # US
    "+442079460000",  # UK landline
    "+85291234567",  # Hong Kong mobile: another region
    "+886912345678",  # Taiwan mobile
    "+861065529988",  # Beijing landline
    "010-65529988",
    "0755 8888 8888",  # Shenzhen landline
    "+8640012345678",  # a 400 service number
]


def _otps() -> int:
    return Notification.objects.filter(template="otp_code").count()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", REFUSED)
def test_api_refuses_non_mainland_mobiles(sec_world: SecWorld, phone: str) -> None:
    response = APIClient().post("/api/v1/track/otp/", {"phone": phone}, format="json")
    assert response.status_code == 400, phone
    body = response.json()
    assert body["message"] in (NOT_MOBILE, "请输入正确的手机号码。"), body  # a real number: the clear reason
    assert _otps() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("phone", REFUSED[:5])
def test_page_refuses_non_mainland_mobiles(sec_world: SecWorld, phone: str) -> None:
    response = Client().post("/track/otp/", {"phone": phone})
    assert response.status_code == 400
    assert "手机号" in response.content.decode()
    assert _otps() == 0


@pytest.mark.django_db
def test_mobiles_get_the_same_body_with_or_without_cases(sec_world: SecWorld) -> None:
    api = APIClient()
    with_cases = api.post("/api/v1/track/otp/", {"phone": RESIDENT_PHONE}, format="json")
    without = api.post("/api/v1/track/otp/", {"phone": "+8613700137000"}, format="json")
    typed = api.post("/api/v1/track/otp/", {"phone": "199 0000 0001"}, format="json")
    assert with_cases.status_code == without.status_code == typed.status_code == 202
    assert with_cases.json() == without.json() == typed.json()
    assert _otps() == 3


@pytest.mark.django_db
def test_the_clear_message_for_a_valid_landline(sec_world: SecWorld) -> None:
    response = APIClient().post("/api/v1/track/otp/", {"phone": "+861065529988"}, format="json")
    assert response.status_code == 400 and response.json()["message"] == NOT_MOBILE
