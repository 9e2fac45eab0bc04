"""The same test world as the case process's tests (``workflows.tests.conftest``)."""

from workflows.tests.conftest import world  # noqa: F401
