"""Personal data (issue 8): audit rows for every unmasked view and export, no phone/ID numbers in logs,
``check --deploy`` clean with production settings, security headers on every page and API response."""

import importlib
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from core.logging import PersonalDataFilter, mask_text
from core.models import AuditLog
from notifications.models import Notification
from tests.security.conftest import RESIDENT_PHONE, ROLES, SecWorld
from tests.security.test_access_matrix import MATRIX

ROOT = Path(__file__).resolve().parents[2]
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = "110101199003071234"


# --- audit log ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_staff_reveal_of_a_phone_is_audited(sec_world: SecWorld) -> None:
    client = sec_world.client("staff")
    url = reverse("workflows:staff-case", args=[sec_world.case.case_no])
    masked = client.get(url)
    assert "13800138000" not in masked.content.decode() and "138 0013 8000" not in masked.content.decode()
    assert not AuditLog.objects.filter(action="view_resident_phone").exists()
    shown = client.get(url + "?reveal=phone")
    assert "138 0013 8000" in shown.content.decode() or "13800138000" in shown.content.decode()
    row = AuditLog.objects.get(action="view_resident_phone")
    assert row.actor == sec_world.users["staff"] and row.target_id == sec_world.case.case_no


@pytest.mark.django_db
def test_reveal_is_refused_to_non_staff(sec_world: SecWorld) -> None:
    response = sec_world.client("volunteer").get(
        reverse("workflows:m-case", args=[sec_world.case.case_no]) + "?reveal=phone"
    )
    assert response.status_code == 200
    assert "13800138000" not in response.content.decode()
    assert not AuditLog.objects.filter(action="view_resident_phone").exists()


@pytest.mark.django_db
def test_assigned_agent_view_of_the_full_phone_is_audited(sec_world: SecWorld) -> None:
    from workflows import services

    services.case_assign(
        actor=sec_world.users["staff"], case=sec_world.case, agent=sec_world.world.agent_grid
    )
    response = sec_world.client("grid").get(reverse("workflows:m-case", args=[sec_world.case.case_no]))
    body = response.content.decode()
    assert "+8613800138000" in body or "138 0013 8000" in body  # the agent calls the resident
    rows = AuditLog.objects.filter(action="view_resident_phone", actor=sec_world.users["grid"])
    assert rows.count() == 1 and rows.get().detail["reason"] == "assigned_agent"


@pytest.mark.django_db
def test_api_never_shows_full_phone_or_id(sec_world: SecWorld) -> None:
    api = sec_world.api("staff")
    created = api.post(
        "/api/v1/cases/",
        {
            "site": sec_world.world.station.code,
            "matter": sec_world.world.matter.code,
            "resident_name": "王五",
            "resident_phone": "13700137000",
            "address": "测试村3组",
            "id_number": ID_NUMBER,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    for url in ("/api/v1/cases/", f"/api/v1/cases/{created.json()['case_no']}/"):
        body = api.get(url).content.decode()
        assert not FULL_PHONE.search(body), url
        assert ID_NUMBER not in body, url


@pytest.mark.django_db
def test_every_export_is_audited(sec_world: SecWorld) -> None:
    client = sec_world.client("admin")
    response = client.post("/dashboard/export/", {})
    assert response.status_code in (200, 302)
    row = AuditLog.objects.get(action="cases_export")
    assert row.actor == sec_world.users["admin"]
    assert "unmasked" in row.detail


# --- logs ----------------------------------------------------------------------------------------------------
def test_mask_text() -> None:
    assert mask_text("call 13800138000 or +86 138-0013-8000") == "call 138****8000 or 138****8000"
    assert mask_text(f"id {ID_NUMBER}.") == "id 110101********1234."
    assert mask_text("case BB2611-ABC1234 at 20261127123456789") == "case BB2611-ABC1234 at 20261127123456789"
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "to %s id %s", ("+8613800138000", ID_NUMBER), None
    )
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "to 138****8000 id 110101********1234"


def test_the_filter_is_on_every_configured_handler() -> None:
    for handler in logging.getLogger().handlers:
        if handler.__class__.__module__.startswith("_pytest"):
            continue
        assert any(isinstance(f, PersonalDataFilter) for f in handler.filters), handler


@pytest.mark.django_db
def test_no_personal_data_in_logs(sec_world: SecWorld, caplog: pytest.LogCaptureFixture) -> None:
    """Intake, OTP, verify, SMS (console backend), feedback, errors: scan every captured record."""
    from notifications.tasks import send_notification

    caplog.set_level(logging.DEBUG)
    api = sec_world.api("grid")
    created = api.post(
        "/api/v1/cases/",
        {
            "site": sec_world.world.station.code,
            "matter": sec_world.world.matter.code,
            "resident_name": "赵六",
            "resident_phone": "+86 137-0013-7001",
            "address": "测试村4组",
            "id_number": ID_NUMBER,
        },
        format="json",
    )
    assert created.status_code == 201
    bad = api.post("/api/v1/cases/", {"resident_phone": "13700137001", "id_number": "1234"}, format="json")
    assert bad.status_code == 400
    anon = sec_world.api("anonymous")
    assert anon.post("/api/v1/track/otp/", {"phone": "13700137001"}, format="json").status_code == 202
    otp = Notification.objects.filter(audience="otp").latest("id")
    wrong = "000000" if otp.context["code"] != "000000" else "111111"
    assert (
        anon.post("/api/v1/track/verify/", {"phone": "13700137001", "code": wrong}, format="json").status_code
        == 400
    )
    ok = anon.post(
        "/api/v1/track/verify/", {"phone": "13700137001", "code": otp.context["code"]}, format="json"
    )
    assert ok.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {ok.json()['token']}")
    assert anon.get("/api/v1/track/cases/").status_code == 200
    assert anon.get("/api/v1/track/lookup/", {"case_no": "x", "phone_tail": "7001"}).status_code == 404
    with override_settings(SMS_BACKEND="console"):
        for pk in Notification.objects.values_list("id", flat=True):
            send_notification(pk)
    assert Notification.objects.filter(status="sent").exists()
    # errors: a failed login with a phone as username, a 404 page with a phone in the path
    sec_world.client("anonymous").post("/accounts/login/", {"username": "13700137001", "password": "x"})
    sec_world.client("staff").get(f"/staff/cases/{RESIDENT_PHONE}/")
    logging.getLogger("bangban.test").error("resident %s id %s", "13700137001", ID_NUMBER)

    assert caplog.records, "the scenario logged nothing: the scan would prove nothing"
    leaks = []
    for record in caplog.records:
        PersonalDataFilter().filter(record)  # what every configured handler does before writing
        text = record.getMessage() + (record.exc_text or "")
        if FULL_PHONE.search(text) or ID_NUMBER in text:
            leaks.append(f"{record.name}: {text[:200]}")
    assert not leaks, leaks


@pytest.mark.django_db
def test_app_code_logs_no_personal_data_even_unfiltered(sec_world: SecWorld, caplog: Any) -> None:
    """Without the filter: our own loggers (not third-party ones) must not log full numbers at all."""
    from notifications.tasks import send_notification

    caplog.set_level(logging.DEBUG)
    anon = sec_world.api("anonymous")
    anon.post("/api/v1/track/otp/", {"phone": "13700137002"}, format="json")
    with override_settings(SMS_BACKEND="console"):
        for pk in Notification.objects.values_list("id", flat=True):
            send_notification(pk)
    ours = ("core", "agency", "workflows", "notifications")
    leaks = [
        r.getMessage()
        for r in caplog.records
        if r.name.split(".")[0] in ours and (FULL_PHONE.search(r.getMessage()) or ID_NUMBER in r.getMessage())
    ]
    assert any(r.name.startswith("notifications") for r in caplog.records)
    assert not leaks, leaks


# --- deployment checks and headers ------------------------------------------------------------------------------
def test_check_deploy_has_no_warnings() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop(
        "DJANGO_ALLOW_ASYNC_UNSAFE", None
    )  # set by the browser fixtures for Playwright, never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _production_security_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    prod = importlib.import_module("config.settings.production")
    names = [n for n in dir(prod) if n.startswith(("SECURE_", "X_FRAME", "SESSION_COOKIE", "CSRF_COOKIE"))]
    values = {n: getattr(prod, n) for n in names}
    values["SECURE_SSL_REDIRECT"] = False  # the test client speaks https itself (secure=True)
    return values


def _check_headers(response: Any, where: str, *, hsts: bool) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp or "script-src 'self'" not in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options {response.headers.get('X-Frame-Options')!r}")
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ):
        problems.append(f"{where}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options")
    if hsts and "max-age=31536000" not in response.headers.get("Strict-Transport-Security", ""):
        problems.append(f"{where}: HSTS {response.headers.get('Strict-Transport-Security')!r}")
    return problems


@pytest.mark.django_db
def test_security_headers_on_every_route(sec_world: SecWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every matrix route, as anonymous and as the district admin, with production's security settings."""
    problems: list[str] = []
    checked = 0
    with override_settings(**_production_security_settings(monkeypatch)):
        for name, entry in MATRIX.items():
            for role in ("anonymous", "admin"):
                url = entry.url(sec_world)
                client = sec_world.api(role) if entry.api else sec_world.client(role)
                if entry.method == "get":
                    response = client.get(url, secure=True)
                else:
                    response = client.post(
                        url, entry.data, secure=True, **({"format": "json"} if entry.api else {})
                    )
                problems += _check_headers(response, f"{name} ({role}, {response.status_code})", hsts=True)
                checked += 1
        for path in ("/admin/login/", "/no-such-page/", "/api/v1/no-such/"):
            response = sec_world.client("anonymous").get(path, secure=True)
            problems += _check_headers(response, path, hsts=True)
    assert checked == 2 * len(MATRIX) and len(ROLES) == 8
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_admin_case_change_form_is_audited(sec_world: SecWorld) -> None:
    response = sec_world.client("admin").get(f"/admin/workflows/case/{sec_world.case.pk}/change/")
    assert response.status_code == 200
    assert "13800138000" in response.content.decode()  # the form shows the full number...
    row = AuditLog.objects.get(action="view_resident_phone")  # ...so the view is audited
    assert row.detail["reason"] == "admin" and row.actor == sec_world.users["admin"]


@pytest.mark.django_db
def test_offline_bundle_carries_no_full_names_or_addresses(sec_world: SecWorld) -> None:
    """Issue 33: /m/offline/data.json sits in a phone's cache; the grid worker's own cases are masked there."""
    sec_world.case.address = "测试村1组12号院"
    sec_world.case.save()
    response = sec_world.client("grid").get("/m/offline/data.json")
    assert response.status_code == 200
    text = response.content.decode()
    data = response.json()
    assert sec_world.case.case_no in text  # the worker's case is listed …
    for secret in ("张三", "12号院", "13800138000"):  # … without the resident's full name, address, phone
        assert secret not in text, secret
    row = next(c for c in data["cases"] if c["case_no"] == sec_world.case.case_no)
    assert (row["resident_name"], row["resident_phone"], row["address"]) == (
        "张*",
        "138****8000",
        "测试村1组1****",
    )
    assert data["history"] == {}
