"""Callbacks other apps register to hear that a case changed state (issue 15).

``workflows`` may not import the apps built on it (``bundles`` needs to know when a member case is done,
withdrawn or rejected, and when its parent is withdrawn), and model signals are off limits for business
logic. So the one transition path (``services._transition``) calls the functions registered here, inside
its transaction, with the locked case and the action just taken. An app registers in its
``AppConfig.ready()``; a hook raising aborts the transition (the whole transaction rolls back).
"""

from collections.abc import Callable
from typing import Any

CaseChangedHook = Callable[..., None]

# Called as ``hook(case=<locked Case>, action=<str>, actor=<user or None>)``.
case_changed_hooks: list[CaseChangedHook] = []


def register_case_changed(hook: CaseChangedHook) -> None:
    """Add ``hook`` once (``ready()`` may run twice in tests)."""
    if hook not in case_changed_hooks:
        case_changed_hooks.append(hook)


def case_changed(*, case: Any, action: str, actor: Any) -> None:
    for hook in list(case_changed_hooks):
        hook(case=case, action=action, actor=actor)
