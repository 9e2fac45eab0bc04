"""docker-compose.yml parses and every service's command points at something that exists."""

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_services_present():
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")


def test_app_services_share_one_image_built_from_the_dockerfile():
    builds = {name: SERVICES[name].get("build") for name in ("web", "worker", "beat")}
    images = {SERVICES[name].get("image") for name in ("web", "worker", "beat")}
    assert len(images) == 1
    for build in builds.values():
        context = build if isinstance(build, str) else build["context"]
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (ROOT / context / dockerfile).is_file()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)


def test_env_files_are_documented_by_an_example():
    for name, service in SERVICES.items():
        env_files = service.get("env_file", [])
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            path = ROOT / env_file
            assert path.exists() or Path(f"{path}.example").exists(), (name, env_file)
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for var in (
        "DJANGO_SETTINGS_MODULE=config.settings.production",
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
    ):
        assert var in example


def test_web_runs_gunicorn_on_an_importable_wsgi_app():
    command = _command(SERVICES["web"])
    match = re.search(r"gunicorn\s+(\S+)", command)
    assert match, command
    target = match.group(1)
    module, _, attr = target.partition(":")
    assert importlib.import_module(module).__dict__[attr or "application"] is not None
    assert "--workers 2" in command


def test_worker_and_beat_use_the_celery_app_config():
    from celery import Celery

    for name, sub in (("worker", "worker"), ("beat", "beat")):
        argv = shlex.split(_command(SERVICES[name]))
        assert argv[:4] == ["celery", "-A", "config", sub], argv
    app = importlib.import_module("config").celery_app
    assert isinstance(app, Celery) and app.main == "config"


def test_manage_py_commands_in_web_exist():
    from django.core.management import get_commands

    command = _command(SERVICES["web"])
    for name in re.findall(r"manage\.py\s+(\w+)", command):
        assert name in get_commands(), name


def test_production_settings_refuse_to_load_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_collectstatic_builds_the_manifest(tmp_path):
    """The Dockerfile runs collectstatic with production settings: it must succeed and write the manifest
    (without it every ``{% static %}`` tag, even on the error page, raises)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="collectstatic-test-" + "x" * 40,
        BANGBAN_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    assert manifest.exists()
    assert "css/bangban.css" in manifest.read_text()


def test_image_steps_are_verified_outside_docker_too():
    """scripts/verify_image.sh mirrors the Dockerfile's steps, and CI runs it (issue 20: the image was never built)."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    script = (ROOT / "scripts" / "verify_image.sh").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for step in (
        "COPY pyproject.toml README.md",
        "RUN pip install .",
        "collectstatic --noinput",
        "config.wsgi",
    ):
        assert step in dockerfile, step
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in dockerfile
    for step in (
        'pip" install -q .',
        "collectstatic --noinput",
        "check --deploy",
        'gunicorn" config.wsgi',
        "/healthz",
    ):
        assert step in script, step
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in script
    assert "scripts/verify_image.sh" in ci and "docker build" in ci
    assert os.access(ROOT / "scripts" / "verify_image.sh", os.X_OK)


def test_worker_and_beat_start_only_after_the_database_is_migrated():
    migrate = SERVICES["migrate"]
    assert "manage.py migrate" in _command(migrate) and migrate.get("restart") == "no"
    assert "migrate" not in _command(SERVICES["web"]).replace("gunicorn", "")  # one migrator, not web too
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"]["condition"] == "service_healthy", name


def test_the_example_env_works_over_plain_http_on_localhost():
    """Copied as it is, the stack answers at http://127.0.0.1:8000: no redirect to https, cookies that a
    browser sends back over http, the address trusted for forms. Production's switch is documented beside it."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    example = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert example["DJANGO_SECURE_SSL_REDIRECT"] == "0"
    assert "http://127.0.0.1:8000" in example["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")
    assert "127.0.0.1" in example["DJANGO_ALLOWED_HOSTS"].split(",")
    assert "DJANGO_SECURE_SSL_REDIRECT=1" in text  # the production setting, in a comment
    env = {
        **os.environ,
        **example,
        "DJANGO_SECRET_KEY": "k7Qe-2vN_f9Lr0Tz8yWb3Hx5mPc1Ds6Ag4Ju7Ko0Ni9Bh2Vq5Xe8Zt3",
    }
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[false, false, false]"
