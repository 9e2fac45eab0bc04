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


# --- one writer of a case's state, no private names across apps, no import circles (issue 25) ---------------

# The one module that assigns ``Case.status`` (``case_transition`` / ``case_move`` / ``case_finish`` / ``case_start``).
STATUS_WRITER = Path("workflows/transitions.py")
# How product code names a case it is changing (a status assigned to one of these is a case's, whatever the value).
CASE_NAMES = {"case", "c", "child", "parent", "locked", "member"}
CASE_STATUS_VALUES = {
    "new", "assigned", "visited", "awaiting_materials", "submitted", "handed_off", "completed", "rectifying",
    "closed", "rejected", "withdrawn", "waiting",
}  # fmt: skip


def _product_files() -> list[Path]:
    return sorted(path for app in sorted(OURS - {"bench"}) if (ROOT / app).is_dir() for path in _modules(app))


def _status_model(node: ast.expr) -> str | None:
    """The model whose ``Status`` choices ``node`` names (``Case`` for ``Case.Status.X``), if any."""
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Attribute)
            and sub.value.attr == "Status"
            and isinstance(sub.value.value, ast.Name)
        ):
            return sub.value.value.id
    return None


def _looks_like_case_status(node: ast.expr) -> bool:
    """``Case.Status.X``, ``S.X`` (the services' alias of ``Case.Status``) or a case status's literal value."""
    if _status_model(node) == "Case":
        return True
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "S":
            return True
        if isinstance(sub, ast.Constant) and sub.value in CASE_STATUS_VALUES:
            return True
    return False


def case_status_writes(source: str, filename: str = "<src>") -> list[int]:
    """Lines of ``source`` that assign a case's status: ``x.status = …`` (also ``+=`` / annotated / in a tuple)
    on a case-named variable or with a case status value, ``setattr(x, "status", …)``, and
    ``.update(status=…)`` with a case status or on a ``Case`` queryset."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets, value = [node.target], node.value
        flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
        for target in flat:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                named_case = isinstance(target.value, ast.Name) and target.value.id in CASE_NAMES
                other_model = value is not None and _status_model(value) not in (None, "Case")
                if (named_case and not other_model) or (value is not None and _looks_like_case_status(value)):
                    lines.append(target.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "status"
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            on_cases = "Case.objects" in ast.unparse(node.func.value) or "cases" in ast.unparse(
                node.func.value
            )
            for kw in node.keywords:
                if kw.arg == "status" and (on_cases or _looks_like_case_status(kw.value)):
                    lines.append(node.lineno)
    return sorted(set(lines))


def test_only_the_transition_module_writes_a_case_status() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _product_files()
        if path.relative_to(ROOT) != STATUS_WRITER
        for line in case_status_writes(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not found, (
        f"Case.status assigned outside {STATUS_WRITER} (use its case_move / case_finish):\n"
        + "\n".join(found)
    )


def test_the_status_check_sees_every_form_of_write() -> None:
    source = (
        "def f(case, row, c, qs):\n"
        "    case.status = 'closed'\n"
        "    row.status = Case.Status.CLOSED\n"
        "    c.status, c.closed_at = S.WITHDRAWN, None\n"
        "    qs.update(status=S.NEW)\n"
        "    Case.objects.filter(pk=1).update(status=value)\n"
        "    setattr(case, 'status', value)\n"
        "    note.status = Notification.Status.SENT\n"  # another model's status: not a case's
        "    locked.status = Assessment.Status.APPROVED\n"  # a case-like name, but another model's status
    )
    assert case_status_writes(source) == [2, 3, 4, 5, 6, 7]


def _app_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """``_names`` of another app of ours that ``path`` uses: imported (``from x.y import _z``) or reached through
    an imported module of that app (``from x import y as m`` … ``m._z``). Dunder names are not private."""
    app = _app_of(path)
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    foreign_modules: dict[str, str] = {}  # local alias -> dotted module of another app

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in OURS and top != app:
                for alias in node.names:
                    if private(alias.name):
                        found.append(f"{node.module}.{alias.name}")
                    foreign_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in OURS and top != app:
                    foreign_modules[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and private(node.attr):
            module = foreign_modules.get(node.value.id)
            if module is not None:
                found.append(f"{module}.{node.attr}")
    return sorted(set(found))


def test_no_private_name_crosses_apps() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {name}" for path in _product_files() for name in private_imports(path)
    }
    assert not found, "private names used across apps (make a public, named helper):\n" + "\n".join(
        sorted(found)
    )


def test_the_private_check_sees_imports_and_module_attributes() -> None:
    path = ROOT / "bundles" / "example.py"
    source = (
        "from workflows import services as case_services\n"
        "from workflows.transitions import _lock, S\n"
        "def f():\n"
        "    from workflows.views import _ctx\n"
        "    return case_services._event, case_services.__doc__\n"
    )
    assert private_imports(path, source) == [
        "workflows.services._event",
        "workflows.transitions._lock",
        "workflows.views._ctx",
    ]
    assert (
        private_imports(ROOT / "workflows" / "example.py", "from workflows.transitions import _lock\n") == []
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(files: list[Path]) -> dict[str, set[str]]:
    """Module → modules of ours it imports, anywhere in the file (imports inside functions count):
    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``."""
    names = {_module_name(path) for path in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        me = _module_name(path)
        edges = graph.setdefault(me, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    edges.add(sub if sub in names else node.module)
            elif isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
        edges.intersection_update(names - {me})
    return graph


def import_circles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Groups of modules that import each other in a loop (strongly connected components of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.add(tuple(sorted(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_import_circle_between_modules() -> None:
    circles = import_circles(import_graph(_product_files()))
    assert not circles, "modules importing each other (imports in functions count):\n" + "\n".join(
        " <-> ".join(c) for c in sorted(circles)
    )


def test_the_circle_check_sees_a_loop_through_a_function_import(tmp_path: Path) -> None:
    graph = {"w.a": {"w.b"}, "w.b": {"w.c"}, "w.c": {"w.a"}, "w.d": {"w.a"}}
    assert import_circles(graph) == {("w.a", "w.b", "w.c")}
    assert import_circles({"w.a": {"w.b"}, "w.b": set()}) == set()
