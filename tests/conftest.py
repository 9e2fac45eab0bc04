"""Fixtures shared by the cross-app scenarios: the SMS provider servers (issue 27) and friends."""

from notifications.tests.conftest import no_publish, providers  # noqa: F401 - fixtures for tests/
from residents.tests.track_helpers import private_cache  # noqa: F401 - fixture
