"""The case a transition holds while it drives the flow engine (locked, with its new status already set).

The flow's ``route`` switch (``workflows.flows``) reads the status from there instead of reading the row again
(one query per step). Its own module so that the transition writer (``workflows.transitions``) and the flow
both import it and neither imports the other.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from workflows.models import Case

_CASE_IN_HAND: ContextVar[Case | None] = ContextVar("case_in_hand", default=None)


@contextmanager
def case_in_hand(case: Case) -> Iterator[None]:
    """While the caller runs a step of ``case``'s process, the flow reads ``case`` itself (same transaction)."""
    token = _CASE_IN_HAND.set(case)
    try:
        yield
    finally:
        _CASE_IN_HAND.reset(token)


def held_case() -> Case | None:
    """The case a transition holds right now, if any."""
    return _CASE_IN_HAND.get()
