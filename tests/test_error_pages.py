"""One Chinese 403 and 404 page everywhere (our pages, viewflow's, the admin), and what the log prints."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from workflows.tests.factories import make_world

pytestmark = pytest.mark.django_db

ENGLISH = ("Access Forbidden", "Log in as another user", "Django Material", "Page not found", "Not Found")


@pytest.fixture
def grid_client():
    world = make_world()
    client = Client()
    client.force_login(world.grid_worker)
    return client


def _assert_chinese_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert f'<h1 id="error-title">{title}</h1>' in html, html[:500]
    for english in ENGLISH:
        assert english not in html
    assert 'href="/"' in html  # a way back to the front page
    return html


@pytest.mark.parametrize("url", ["/training/", "/dashboard/", "/staff/", "/standards/"])
def test_grid_worker_gets_the_one_chinese_403_page(grid_client, url):
    response = grid_client.get(url)
    assert "403.html" in [t.name for t in response.templates], url  # the shared page, not a look-alike
    _assert_chinese_page(response, 403, "无权访问")


@pytest.mark.parametrize("url", ["/no-such-page/", "/m/cases/BB-NOPE/", "/admin/no-such-app/"])
def test_missing_pages_get_the_one_chinese_404_page(grid_client, settings, url):
    for debug in (False, True):  # make run is DEBUG: no 404 may be Django's developer page there either
        settings.DEBUG = debug
        response = grid_client.get(url)
        if url.startswith("/admin/"):
            assert response.status_code in (302, 404)  # the admin sends a non-staff user to its login
            if response.status_code == 302:
                continue
        _assert_chinese_page(response, 404, "页面不存在")


def test_admin_refusal_is_the_same_chinese_403(grid_client, settings):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("half_staff", password="x", is_staff=True)  # no permissions
    client = Client()
    client.force_login(user)
    response = client.get("/admin/workflows/case/")
    _assert_chinese_page(response, 403, "无权访问")


def test_a_refused_page_logs_one_line_without_a_traceback(grid_client, caplog):
    """Each 403 printed a full traceback twice and each django.request line appeared twice."""
    caplog.set_level(logging.INFO)
    root = logging.getLogger()
    django_logger = logging.getLogger("django")
    assert django_logger.handlers == [] and django_logger.propagate  # one handler: the root's
    grid_client.get("/standards/")
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert len(lines) == 1 and lines[0].getMessage().startswith("Forbidden")
    console = [h for h in root.handlers if type(h).__name__ == "StreamHandler"]
    assert console, "the console handler of LOGGING"
    record = lines[0]
    for flt in console[0].filters:
        flt.filter(record)
    assert console[0].format(record).count("\n") == 0  # one line, no "Traceback (most recent call last)"
