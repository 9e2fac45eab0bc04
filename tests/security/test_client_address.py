"""Issue 33: limits and lockouts keyed on the real client, not on the README's TLS proxy in front of us.

Each test performs the attack over HTTP: one attacker behind the proxy (every request arrives from the
proxy's address) tries to use up every resident's OTP budget or to lock a named staff account.
"""

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from agency.tests.factories import UserFactory
from tests.security.conftest import SecWorld

PROXY = "10.0.0.5"
ATTACKER = "203.0.113.66"
RESIDENT = "198.51.100.7"
LIMIT = settings.AXES_FAILURE_LIMIT


def _via_proxy(client_addr: str, forged: str = "") -> dict[str, str]:
    """What the proxy sends: its own address as the peer, the client appended to X-Forwarded-For."""
    chain = f"{forged}, {client_addr}" if forged else client_addr
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


@pytest.fixture
def victim(db: Any) -> Any:
    return UserFactory(username="victim", is_staff=True, is_superuser=True)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[f"{PROXY}/32"], TRACK_RATE_LIMITS="otp_ip=3/h,otp_phone=50/h")
def test_one_client_behind_the_proxy_does_not_use_up_everyones_otp_budget(sec_world: SecWorld) -> None:
    api = APIClient()
    attack = [
        api.post(
            "/api/v1/track/otp/", {"phone": f"+86139{n:08d}"}, format="json", **_via_proxy(ATTACKER)
        ).status_code
        for n in range(5)
    ]
    assert attack[:3] == [202] * 3 and attack[3:] == [429, 429]
    # a spoofed left part of the header does not give the attacker a fresh address
    forged = api.post(
        "/api/v1/track/otp/", {"phone": "+8613900000009"}, format="json", **_via_proxy(ATTACKER, RESIDENT)
    )
    assert forged.status_code == 429
    # another resident behind the same proxy still gets a code
    ok = api.post("/api/v1/track/otp/", {"phone": "+8613800138000"}, format="json", **_via_proxy(RESIDENT))
    assert ok.status_code == 202


@pytest.mark.django_db
@override_settings(TRACK_RATE_LIMITS="otp_ip=3/h,otp_phone=50/h")
def test_without_trusted_proxies_the_header_is_ignored(sec_world: SecWorld) -> None:
    api = APIClient()
    got = [
        api.post(
            "/api/v1/track/otp/",
            {"phone": f"+86139{n:08d}"},
            format="json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",  # a fresh forged address each time: not believed
        ).status_code
        for n in range(4)
    ]
    assert got == [202, 202, 202, 429]


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[f"{PROXY}/32"])
def test_a_stranger_behind_the_proxy_cannot_lock_out_the_right_password(victim: Any) -> None:
    stranger = Client()
    for _ in range(LIMIT + 2):
        stranger.post("/accounts/login/", {"username": "victim", "password": "guess"}, **_via_proxy(ATTACKER))
    locked = stranger.post(
        "/accounts/login/", {"username": "victim", "password": "pw-Test-12345"}, **_via_proxy(ATTACKER)
    )
    assert locked.status_code == 429  # the stranger's own (username, address) pair is locked
    owner = Client().post(
        "/accounts/login/", {"username": "victim", "password": "pw-Test-12345"}, **_via_proxy(RESIDENT)
    )
    assert owner.status_code == 302  # the owner, through the same proxy, signs in
    token = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "victim", "password": "pw-Test-12345"},
        format="json",
        **_via_proxy(RESIDENT),
    )
    assert token.status_code == 200 and token.json()["token"]


@pytest.mark.django_db
@override_settings(LOGIN_USERNAME_FAILURE_LIMIT=8, LOGIN_USERNAME_COOLOFF_MINUTES=2 / 60)
def test_guessing_one_name_from_many_addresses_hits_the_global_cool_off(victim: Any) -> None:
    api = APIClient()
    statuses = []
    for n in range(10):  # four guesses from each of five addresses: no (name, address) pair reaches LIMIT
        for _ in range(2):
            statuses.append(
                api.post(
                    "/api/v1/auth/token/",
                    {"username": "victim", "password": "guess"},
                    format="json",
                    REMOTE_ADDR=f"198.51.100.{n // 2}",
                ).status_code
            )
    assert statuses[:8] == [400] * 8 and set(statuses[8:]) == {429}
    # the right password from a fresh address is refused during the cool-off …
    right = {"username": "victim", "password": "pw-Test-12345"}
    cooled = api.post("/api/v1/auth/token/", right, format="json", REMOTE_ADDR="192.0.2.1")
    assert cooled.status_code == 429 and "token" not in cooled.json()
    page = Client().post("/accounts/login/", right, REMOTE_ADDR="192.0.2.1")
    assert page.status_code == 200 and "_auth_user_id" not in Client().session
    # … and works again by itself once the cool-off (2 s here) is over: never a permanent lock
    time.sleep(2.2)
    assert api.post("/api/v1/auth/token/", right, format="json", REMOTE_ADDR="192.0.2.1").status_code == 200
