"""``STAFF_PASSWORD_LOGIN`` and the pages around the OIDC sign-in that need no provider (the full flow against
a real provider: ``tests/browser/test_sso_oidc.py``)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agency.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-12345"  # UserFactory's


def test_password_login_works_while_on(settings):
    user = UserFactory(username="pw_on")
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert 'id="id_password"' in page and "使用统一身份认证登录" not in page  # no provider configured
    response = client.post("/accounts/login/", {"username": "pw_on", "password": PASSWORD, "next": "/m/"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "pw_on", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200 and token.json()["token"]


def test_passwords_off_everywhere(settings):
    settings.STAFF_PASSWORD_LOGIN = False
    settings.OIDC_ISSUER = "http://127.0.0.1:9/o"  # configured (never contacted by these pages)
    settings.OIDC_RP_CLIENT_ID = "bangban"
    UserFactory(username="pw_off", is_staff=True, is_superuser=True)
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert 'id="id_password"' not in page and "使用统一身份认证登录" in page
    refused = client.post("/accounts/login/", {"username": "pw_off", "password": PASSWORD})
    assert refused.status_code == 403 and "本地密码登录已关闭" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    admin = client.get("/admin/login/?next=/admin/cases/")
    assert admin.status_code == 302 and admin["Location"].startswith("/oidc/authenticate/")
    posted = client.post("/admin/login/", {"username": "pw_off", "password": PASSWORD})
    assert posted.status_code == 302 and "_auth_user_id" not in client.session
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "pw_off", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 403 and token.json()["extra"] == {"field": "access_token"}


def test_token_endpoint_without_oidc_refuses_access_tokens():
    answer = APIClient().post("/api/v1/auth/token/", {"access_token": "x"}, format="json")
    assert answer.status_code == 400 and answer.json()["message"] == "未配置统一身份认证。"


def test_oidc_pages_off_without_a_provider():
    assert Client().get("/oidc/authenticate/").status_code == 404


def test_logout_without_provider_goes_to_the_front_page():
    user = UserFactory(username="pw_logout")
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/logout/").status_code == 405
