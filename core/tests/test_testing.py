"""``core.testing.require``: the suite's one rule for a missing service, page or tool."""

import pytest

from core.testing import require


def test_require_passes_when_the_condition_holds(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require(True, "present")  # no exception: the test goes on


def test_require_skips_on_a_bare_machine(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="tool missing"):
        require(False, "tool missing")


def test_require_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and tool missing"):
        require(False, "tool missing")


def test_no_test_skips_itself_in_its_body():
    """Every skip goes through ``require`` (or a marker handled by a conftest), so CI can never hide one."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in {".venv", "var", "node_modules"} or rel == Path("core/testing.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if rel == Path(__file__).relative_to(root):
            continue
        for needle in ("pytest.skip(", "importorskip(", "mark.skipif"):
            if needle in text:
                offenders.append(f"{rel}: {needle}")
    assert offenders == []
