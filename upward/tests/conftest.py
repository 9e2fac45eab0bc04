import pytest

from upward.tests.endpoint import Endpoint
from workflows.tests.conftest import world  # noqa: F401


@pytest.fixture
def endpoint(settings):
    """The local 好差评 endpoint, configured as ``UPWARD_ENDPOINT_URL``."""
    with Endpoint() as server:
        settings.UPWARD_ENDPOINT_URL = server.url
        settings.UPWARD_TOKEN = "t0ken"
        settings.UPWARD_TIMEOUT = 2.0
        yield server


@pytest.fixture
def eager():
    """Celery runs published tasks in this process (the real task code, retries and all)."""
    from config.celery_app import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
