"""Staff sign-in through a real OpenID provider (django-oauth-toolkit, ``tests/oidc_provider``, started here on
127.0.0.1 with its own SQLite), the full redirect flow in headless Chromium: success (authorization code with
PKCE S256), unknown identity, expired code, wrong state, replayed code, tampered ID token signature; the
logout that ends the provider session; ``STAFF_PASSWORD_LOGIN=0`` and the token endpoint taking an OIDC
access token."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.test import APIClient

from agency.models import Agent
from agency.tests.factories import AgentFactory, StationFactory
from core.models import User
from sso.models import StaffIdentity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "bangban-test", "s3cret-of-the-test-client"
CODE_EXPIRE = 6  # seconds an authorization code lives at the provider
OP_USERS = {"zhang": "op-pass-1", "stranger": "op-pass-2"}
OP_UIDS = {"zhang": "U-1001", "stranger": "U-9999"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    port = _free_port()
    work = tmp_path_factory.mktemp("oidc_provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    tamper = work / "tamper"
    env = {
        **os.environ,
        "OP_PORT": str(port),
        "OP_DB": str(work / "op.sqlite3"),
        "OP_RSA_KEY": pem,
        "OP_CODE_EXPIRE": str(CODE_EXPIRE),
        "OP_CLIENT_ID": CLIENT_ID,
        "OP_CLIENT_SECRET": CLIENT_SECRET,
        "OP_REDIRECT_URI": f"{live_server.url}/oidc/callback/",
        "OP_POST_LOGOUT_URI": f"{live_server.url}/",
        "OP_USERS": json.dumps(OP_USERS),
        "OP_UIDS": json.dumps(OP_UIDS),
        "OP_TAMPER_FILE": str(tamper),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (work / "op.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the OIDC provider did not start: {(work / 'op.log').read_text()[-3000:]}"
                )
            time.sleep(0.3)
        yield {"issuer": issuer, "tamper": tamper, "port": port}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def oidc(settings: Any, provider: dict[str, Any]) -> dict[str, Any]:
    settings.OIDC_ISSUER = provider["issuer"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_IDENTITY_CLAIM = "bb_uid"
    settings.OIDC_STORE_ACCESS_TOKEN = True  # read back below for the token endpoint test
    settings.LOGIN_REDIRECT_URL = "/m/"
    return provider


@pytest.fixture
def staff_agent(db: Any) -> Agent:
    agent = AgentFactory(kind=Agent.Kind.STATION_STAFF, sites=[StationFactory()], name="张站长")
    StaffIdentity.objects.create(agent=agent, value=OP_UIDS["zhang"])
    return agent


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # the /m/ pages' offline service worker would answer navigations from its cache: off here
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, service_workers="block"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _provider_login(page: Any, username: str) -> None:
    page.wait_for_selector("#op-username")
    page.fill("#op-username", username)
    page.fill("#op-password", OP_USERS[username])
    page.click("#op-submit")


def _start(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/m/")
    page.click("text=使用统一身份认证登录")


def _signed_in_at_provider(page: Any, live_server: Any) -> None:
    """Sign in once through the whole flow (a provider session), then drop only our own session cookie."""
    _start(page, live_server)
    _provider_login(page, "zhang")
    page.wait_for_url(f"{live_server.url}/m/**")
    page.context.clear_cookies(name="sessionid")


def _held_callback(page: Any, live_server: Any) -> str:
    """Run the redirects with the browser context's own HTTP client (same cookies: our session's state and
    PKCE verifier, the provider's session) without following them, and hold the provider's redirect back to
    us: the test then delivers it late, altered or twice. (Playwright's routes do not see redirects.)"""
    http = page.context.request
    start = http.get(f"{live_server.url}/oidc/authenticate/?next=/m/", max_redirects=0)
    assert start.status == 302
    authorize = http.get(start.headers["location"], max_redirects=0)
    assert authorize.status == 302, authorize.text()[:500]
    callback = authorize.headers["location"]
    assert callback.startswith(f"{live_server.url}/oidc/callback/?") and "code=" in callback
    return callback


def _session_user_id(page: Any) -> str | None:
    cookie = next((c for c in page.context.cookies() if c["name"] == "sessionid"), None)
    if cookie is None:
        return None
    return SessionStore(session_key=cookie["value"]).get("_auth_user_id")


def test_success_with_pkce_then_logout_ends_provider_session(page, live_server, oidc, staff_agent):
    authorize: list[str] = []
    page.on("request", lambda r: authorize.append(r.url) if "/o/authorize/" in r.url else None)
    _start(page, live_server)
    _provider_login(page, "zhang")
    page.wait_for_url(f"{live_server.url}/m/**")
    assert _session_user_id(page) == str(staff_agent.user.pk)  # role and sites: the agent record's
    query = parse_qs(urlsplit(authorize[0]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["response_type"] == ["code"] and "nonce" in query and "state" in query
    assert User.objects.count() == 1  # nobody created
    # logout: here and at the provider (RP-initiated logout), back on our front page
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url(f"{live_server.url}/")
    assert _session_user_id(page) is None
    page.goto(f"{live_server.url}/oidc/authenticate/?next=/m/")
    page.wait_for_selector("#op-username")  # the provider asks again: its session ended too


def test_unknown_identity_gets_the_no_access_page(page, live_server, oidc, staff_agent):
    users = User.objects.count()
    _start(page, live_server)
    with page.expect_response(lambda r: "/oidc/callback/" in r.url) as answer:
        _provider_login(page, "stranger")
    assert answer.value.status == 403
    assert "账号尚未开通帮办代办权限，请联系站点管理员" in page.content()
    assert _session_user_id(page) is None and User.objects.count() == users


def test_expired_code_is_refused(page, live_server, oidc, staff_agent):
    _signed_in_at_provider(page, live_server)
    url = _held_callback(page, live_server)
    time.sleep(CODE_EXPIRE + 2)
    response = page.goto(url)
    assert response.status == 400 and "登录未完成" in page.content()
    assert _session_user_id(page) is None


def test_wrong_state_is_refused(page, live_server, oidc, staff_agent):
    _signed_in_at_provider(page, live_server)
    url = _held_callback(page, live_server)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    query["state"] = "forged-" + query["state"][:10]
    response = page.goto(f"{live_server.url}/oidc/callback/?{urlencode(query)}")
    assert response.status == 400 and "登录未完成" in page.content()
    assert _session_user_id(page) is None
    # the genuine redirect still works: the forged state consumed nothing
    page.goto(url)
    assert _session_user_id(page) == str(staff_agent.user.pk)


def test_replayed_code_is_refused(page, live_server, oidc, staff_agent):
    _signed_in_at_provider(page, live_server)
    first = _held_callback(page, live_server)
    page.goto(first)  # the code used once: signed in
    assert _session_user_id(page) == str(staff_agent.user.pk)
    page.context.clear_cookies(name="sessionid")  # signed out here, still signed in at the provider
    second = _held_callback(page, live_server)
    code1 = parse_qs(urlsplit(first).query)["code"][0]
    state2 = parse_qs(urlsplit(second).query)["state"][0]
    response = page.goto(f"{live_server.url}/oidc/callback/?{urlencode({'code': code1, 'state': state2})}")
    assert response.status == 400 and "登录未完成" in page.content()
    assert _session_user_id(page) is None


def test_tampered_id_token_signature_is_refused(page, live_server, oidc, staff_agent):
    oidc["tamper"].write_text("1")
    try:
        _start(page, live_server)
        with page.expect_response(lambda r: "/oidc/callback/" in r.url) as answer:
            _provider_login(page, "zhang")
        assert answer.value.status == 400
        assert "登录未完成" in page.content()
        assert _session_user_id(page) is None
    finally:
        oidc["tamper"].unlink()


def test_passwords_off_token_endpoint_takes_an_access_token(page, live_server, oidc, staff_agent, settings):
    settings.STAFF_PASSWORD_LOGIN = False
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("#id_password").count() == 0  # no password form, only the 统一身份认证 button
    page.click("text=使用统一身份认证登录")
    _provider_login(page, "zhang")
    page.wait_for_url(f"{live_server.url}/m/**")
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    access_token = SessionStore(session_key=cookie["value"])["oidc_access_token"]
    api = APIClient()
    answer = api.post("/api/v1/auth/token/", {"access_token": access_token}, format="json")
    assert answer.status_code == 200, answer.content
    token = answer.json()["token"]
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code in (200, 404)
    from rest_framework.authtoken.models import Token

    assert Token.objects.get(key=token).user == staff_agent.user
    refused = api.post("/api/v1/auth/token/", {"access_token": "not-a-token"}, format="json")
    assert refused.status_code == 401
    staff_agent.user.set_password("pw-Test-12345")
    staff_agent.user.save()
    no_password = api.post(
        "/api/v1/auth/token/",
        {"username": staff_agent.user.username, "password": "pw-Test-12345"},
        format="json",
    )
    assert no_password.status_code == 403
    # the admin's login for this signed-in agent, who is not admin staff: a clear refusal, not a redirect
    # loop through the identity service, not a password form
    admin = page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    assert admin is not None and admin.status == 403
    assert "您的账号无权进入管理后台" in page.content() and page.locator("#id_password").count() == 0
