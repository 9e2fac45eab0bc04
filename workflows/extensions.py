"""Extension points other apps plug into, so workflows never imports them (arrows stay one way).

An app registers its hooks in its ``AppConfig.ready()``:

- a *suggestion ranker* ``(case, agents) -> {agent_id: (rank, reason)}`` re-orders the assign suggestions
  (lower ``rank`` first; ties keep 就近/就熟 order) and adds a reason to each agent's ``suggestion_reason``;
- an *assign check* ``(case, agent) -> [note]`` returns warnings about an assignment staff are allowed to
  make anyway (e.g. the agent lacks the matter category's qualification); ``case_assign`` writes each as a
  staff-only timeline row flagged in ``data["flag"]``;
- a *case-changed hook* ``hook(case=<locked Case>, action=<str>, actor=<user or None>)``, called by the one
  transition path (``transitions.case_transition``) inside its transaction, so an app built on cases follows them
  (a 一件事's parent when a member is done, withdrawn or rejected). Model signals are off limits for business
  logic; a hook raising aborts the transition (the whole transaction rolls back).

- the *rectification reporter* ``(actor=, case=, note=, permit=) -> Case`` behind the ``rectify`` case action: the
  residents app owns the bad-rating loop (the ``Rectification`` record, the resident's SMS, the follow-up
  rating) and registers it; the case half of it is ``case_closing.case_rectify_apply``, which takes the
  request's ``permit`` (``selectors.CasePermit``, or None: evaluated there) along like every case action;
- *reminder sweeps* ``(now=, batch_size=) -> SweepResult`` run by ``reminders.reminder_sweep`` after its own
  (the residents' feedback follow-up), so the beat schedule keeps one reminder task.

With nothing registered, suggestions keep their order, assignments carry no flags, the ``rectify`` action is
refused (409) and the reminder sweep runs only the case process's own reminders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agency.models import Agent
    from workflows.models import Case

SuggestionRanker = Callable[["Case", list["Agent"]], dict[int, tuple[int, str]]]
AssignCheck = Callable[["Case", "Agent"], list[str]]

CaseChangedHook = Callable[..., None]

_rankers: list[SuggestionRanker] = []
_assign_checks: list[AssignCheck] = []
_case_changed_hooks: list[CaseChangedHook] = []


def register_case_changed(hook: CaseChangedHook) -> None:
    """Add ``hook`` once (``ready()`` may run twice in tests)."""
    if hook not in _case_changed_hooks:
        _case_changed_hooks.append(hook)


def case_changed(*, case: Case, action: str, actor: Any) -> None:
    for hook in list(_case_changed_hooks):
        hook(case=case, action=action, actor=actor)


def register_suggestion_ranker(ranker: SuggestionRanker) -> None:
    if ranker not in _rankers:
        _rankers.append(ranker)


def register_assign_check(check: AssignCheck) -> None:
    if check not in _assign_checks:
        _assign_checks.append(check)


def _base_reason(agent: Any) -> str:
    parts = []
    if getattr(agent, "same_grid", False):
        parts.append("同网格（就近）")
    if getattr(agent, "in_scope", False):
        parts.append("服务范围含本事项（就熟）")
    load = getattr(agent, "open_load", None)
    if load is not None:
        parts.append(f"在办{load}件")
    return "，".join(parts)


def rank_suggestions(case: Case, agents: list[Agent]) -> list[Agent]:
    """``agents`` (already in 就近/就熟 order) re-ranked by the registered rankers, each with a
    ``suggestion_reason`` saying why it is suggested."""
    ranks: dict[int, list[int]] = {a.pk: [] for a in agents}
    reasons: dict[int, list[str]] = {a.pk: [_base_reason(a)] for a in agents}
    for ranker in _rankers:
        result = ranker(case, agents)
        for agent in agents:
            rank, reason = result.get(agent.pk, (0, ""))
            ranks[agent.pk].append(rank)
            reasons[agent.pk].append(reason)
    order = {a.pk: i for i, a in enumerate(agents)}
    ranked = sorted(agents, key=lambda a: (ranks[a.pk], order[a.pk]))
    for agent in ranked:
        agent.suggestion_reason = "；".join(r for r in reasons[agent.pk] if r)  # type: ignore[attr-defined]
    return ranked


def assign_flags(case: Case, agent: Agent) -> list[str]:
    """Warnings for assigning ``agent`` to ``case`` (the assignment still goes ahead)."""
    notes: list[str] = []
    for check in _assign_checks:
        notes.extend(check(case, agent))
    return notes


RectificationReporter = Callable[..., "Case"]
ReminderSweep = Callable[..., Any]

_rectification_reporters: list[RectificationReporter] = []
_reminder_sweeps: list[ReminderSweep] = []


def register_rectification_reporter(reporter: RectificationReporter) -> None:
    """The one reporter (a second registration replaces the first: there is one bad-rating loop)."""
    _rectification_reporters[:] = [reporter]


def rectification_report(*, actor: Any, case: Case, note: str, permit: Any = None) -> Case:
    """The registered reporter's report on ``case``; ``permit``: the request's ``selectors.CasePermit``,
    passed along (None: the reporter's transition evaluates one). Typed ``Any``: selectors imports this
    module, so naming the class here would close an import circle."""
    from core.exceptions import ApplicationError

    if not _rectification_reporters:
        raise ApplicationError("整改报告功能未启用。", {"status": case.status}, status=409)
    return _rectification_reporters[0](actor=actor, case=case, note=note, permit=permit)


def register_reminder_sweep(sweep: ReminderSweep) -> None:
    if sweep not in _reminder_sweeps:
        _reminder_sweeps.append(sweep)


def reminder_sweeps() -> list[ReminderSweep]:
    return list(_reminder_sweeps)
