"""The import arrows, checked on the source: core ← agency ← workflows ← residents, workflows ← oversight (which
also reads residents' ratings), notifications called by all of them and importing none back, and the feature apps
(standards, uploads, bundles, handoffs, training, showcase) on top, imported by none of them.

An AST walk rather than import-linter: no extra dependency, and it sees lazy imports inside functions too,
which is where a wrong arrow usually hides. Tests and migrations are exempt (tests build cross-app worlds;
migrations are frozen history).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOUNDATION = {"core", "agency", "workflows", "residents", "oversight", "notifications"}
FEATURES = {"standards", "uploads", "bundles", "handoffs", "training", "showcase"}
# What each app may import of ours (besides itself and `config`, the project package).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "agency": {"core"},
    "notifications": {"core", "agency"},
    "workflows": {"core", "agency", "notifications"},
    "residents": {"core", "agency", "workflows", "notifications"},
    "oversight": {"core", "agency", "workflows", "residents", "notifications"},
}
for _feature in FEATURES:
    ALLOWED[_feature] = FOUNDATION | (FEATURES - {_feature})
# The benchmark's loader and command (``bench``) sit on top of everything and nothing imports them.
ALLOWED["bench"] = FOUNDATION | FEATURES
OURS = FOUNDATION | FEATURES | {"bench"}


def _modules(app: str) -> list[Path]:
    base = ROOT / app
    return [
        path
        for path in base.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts and path.name != "conftest.py"
    ]


def _imported_apps(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add((alias.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return {(name, line) for name, line in found if name in OURS}


@pytest.mark.parametrize("app", sorted(app for app in ALLOWED if (ROOT / app).is_dir()))
def test_imports_point_one_way(app: str) -> None:
    allowed = ALLOWED[app] | {app}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _modules(app)
        for name, line in sorted(_imported_apps(path))
        if name not in allowed
    ]
    assert not wrong, "imports against the arrows:\n" + "\n".join(wrong)


def test_the_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    # The walker must find a lazy import inside a function body, or the check above could never fail.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from workflows.models import Case\n    return Case\n", encoding="utf-8")
    assert _imported_apps(module) == {("workflows", 2)}
