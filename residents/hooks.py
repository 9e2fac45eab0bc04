"""What residents plugs into workflows (``workflows.extensions``), registered from ``ResidentsConfig.ready``:
the rectification report behind the ``rectify`` case action and the feedback follow-up reminder sweep."""

from __future__ import annotations

from typing import Any


def _report(*, actor: Any, case: Any, note: str, permit: Any = None) -> Any:
    from residents.rectify import rectification_report

    updated, _ = rectification_report(actor=actor, case=case, note=note, permit=permit)
    assert updated is not None  # from a case, the case comes back
    return updated


def register() -> None:
    from residents.reminders import reminders_feedback_followup
    from workflows import extensions

    extensions.register_rectification_reporter(_report)
    extensions.register_reminder_sweep(reminders_feedback_followup)
