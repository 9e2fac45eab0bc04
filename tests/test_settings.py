"""Settings come from the environment (CONTRACT §2). Each case loads the settings in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7Qe-2vN_f9Lr0Tz8yWb3Hx5mPc1Ds6Ag4Ju7Ko0Ni9Bh2Vq5Xe8Zt3Ry6Uw1Sp4"

PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "HOST": db.get("HOST", ""),
    "DB_OPTIONS": db.get("OPTIONS", {}),
    "BROKER": settings.CELERY_BROKER_URL,
    "BROKER_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "SMS_BACKEND": settings.SMS_BACKEND, "SMS_FILE_PATH": settings.SMS_FILE_PATH,
    "SITE_URL": settings.SITE_URL, "TIME_ZONE": settings.TIME_ZONE,
    "TRACK_RATE_LIMITS": settings.TRACK_RATE_LIMITS,
    "SECRET_KEY": settings.SECRET_KEY,
    "QUIET_HOURS": settings.NOTIFICATIONS_QUIET_HOURS,
}))
"""

CONTRACT_VARS = (
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "SMS_BACKEND",
    "SMS_FILE_PATH",
    "SITE_URL",
    "TIME_ZONE",
    "TRACK_RATE_LIMITS",
    "BANGBAN_VAR_DIR",
    "DATABASE_RANDOM_PAGE_COST",
    "NOTIFICATIONS_QUIET_HOURS",
    "DATABASE_PREPARE_THRESHOLD",
)


def load(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_of(module: str, **env: str) -> dict:
    result = load(module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default():
    s = settings_of("config.settings.local")
    assert s["DEBUG"] is True
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(ROOT / "var" / "db.sqlite3")
    assert s["BROKER"] == "filesystem://localhost/"  # a host: kombu warns "No hostname was supplied" without
    assert s["BROKER_OPTIONS"]["data_folder_in"] == str(ROOT / "var" / "celery" / "queue")
    assert s["BROKER_OPTIONS"]["control_folder"] == str(ROOT / "var" / "celery" / "control")
    assert s["CACHE"].endswith("LocMemCache")
    assert s["EAGER"] is False
    assert s["SMS_BACKEND"] == "console"
    assert s["SMS_FILE_PATH"] == str(ROOT / "var" / "sms.jsonl")
    assert s["SITE_URL"] == "http://127.0.0.1:8000"
    assert s["TIME_ZONE"] == "Asia/Shanghai"
    assert (
        s["TRACK_RATE_LIMITS"]
        == "otp_phone=5/h,otp_ip=30/h,verify_phone=5/15m,verify_ip=20/15m,lookup_ip=30/m"
    )
    assert s["SECRET_KEY"]


def test_everything_from_the_environment():
    s = settings_of(
        "config.settings.local",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="bangban.example.cn,10.0.0.5",
        DATABASE_URL="postgres://bb:pw@db.internal:5432/bangban",
        REDIS_URL="redis://cache.internal:6379/2",
        CELERY_TASK_ALWAYS_EAGER="1",
        SMS_BACKEND="file",
        SMS_FILE_PATH="/tmp/sms-test.jsonl",
        SITE_URL="https://bangban.example.cn/",
        TIME_ZONE="Asia/Urumqi",
        DJANGO_SECRET_KEY="from-env",
    )
    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["bangban.example.cn", "10.0.0.5"]
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert (s["NAME"], s["HOST"]) == ("bangban", "db.internal")
    assert s["BROKER"] == "redis://cache.internal:6379/2"
    assert s["CACHE"].endswith("RedisCache")
    assert s["EAGER"] is True
    assert (s["SMS_BACKEND"], s["SMS_FILE_PATH"]) == ("file", "/tmp/sms-test.jsonl")
    assert s["SITE_URL"] == "https://bangban.example.cn"
    assert s["TIME_ZONE"] == "Asia/Urumqi"
    assert s["SECRET_KEY"] == "from-env"


def test_production_requires_a_secret_key():
    result = load("config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_loads_with_a_secret_and_is_not_debug():
    s = settings_of("config.settings.production", DJANGO_SECRET_KEY=STRONG_KEY)
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == STRONG_KEY


def test_postgresql_sessions_plan_for_ssd_unless_told_otherwise():
    url = "postgres://u:p@db.internal:5432/bangban"
    tuned = settings_of("config.settings.local", DATABASE_URL=url)
    assert "-c random_page_cost=1.1" in tuned["DB_OPTIONS"]["options"]
    assert (
        "random_page_cost=2.0"
        in settings_of("config.settings.local", DATABASE_URL=url, DATABASE_RANDOM_PAGE_COST="2")[
            "DB_OPTIONS"
        ]["options"]
    )
    server_default = settings_of("config.settings.local", DATABASE_URL=url, DATABASE_RANDOM_PAGE_COST="")
    assert "options" not in server_default["DB_OPTIONS"]
    sqlite = settings_of("config.settings.local")
    assert "options" not in sqlite["DB_OPTIONS"]


def test_quiet_hours_from_the_environment():
    assert settings_of("config.settings.local")["QUIET_HOURS"] == [21, 8]
    assert settings_of("config.settings.local", NOTIFICATIONS_QUIET_HOURS="0,0")["QUIET_HOURS"] == [0, 0]
    assert settings_of("config.settings.local", NOTIFICATIONS_QUIET_HOURS="22, 7")["QUIET_HOURS"] == [22, 7]


def test_postgresql_sessions_use_prepared_statements_unless_told_otherwise():
    url = "postgres://u@db.example:5432/bangban"
    options = settings_of("config.settings.local", DATABASE_URL=url)["DB_OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    options = settings_of("config.settings.local", DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="2")[
        "DB_OPTIONS"
    ]
    assert options["prepare_threshold"] == 2
    off = settings_of("config.settings.local", DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="")["DB_OPTIONS"]
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    assert "prepare_threshold" not in settings_of("config.settings.local")["DB_OPTIONS"]  # SQLite


@pytest.mark.parametrize(
    "key",
    [
        "change-me",
        " Change-Me ",
        "changeme",
        "collectstatic-only",
        "django-insecure-abc",
        "x" * 50,
        "a1b2" * 12,
    ],
)
def test_production_refuses_placeholder_and_short_secret_keys(key):
    result = load("config.settings.production", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    assert "token_urlsafe" in result.stderr  # says how to make a good one


def test_the_example_env_file_is_refused_until_its_secret_is_set():
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert load("config.settings.production", **example).returncode != 0  # DJANGO_SECRET_KEY=change-me
    s = settings_of("config.settings.production", **{**example, "DJANGO_SECRET_KEY": STRONG_KEY})
    assert s["SECRET_KEY"] == STRONG_KEY
