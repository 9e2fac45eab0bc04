"""Test helpers shared by the suite (imported only by tests and conftest files; needs pytest).

``require`` is the one rule for a test whose service, page or tool is missing: skipped on a developer's
bare machine, a failure under ``CI=true`` (CI promises every part is there, so a silent skip would hide a
regression). Use it instead of an in-body ``pytest.skip``.
"""

import os

import pytest


def under_ci() -> bool:
    """True when the run is CI's (``CI=true``): a missing part must fail, never skip."""
    return os.environ.get("CI") == "true"


def require(condition: object, reason: str) -> None:
    """Go on when ``condition`` holds; otherwise skip locally, or fail under ``CI=true``."""
    if condition:
        return
    if under_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
