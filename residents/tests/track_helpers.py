"""Helpers for the residents module's tests (/track/, feedback, the bad-rating loop)."""

from typing import Any

import pytest

from workflows import case_steps, intake_services, services
from workflows.models import Case
from workflows.tests.factories import World

PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"


def completed_case(world: World, *, phone: str = PHONE, name: str = "张三丰") -> Case:
    """A case taken through the real workflow to ``completed`` (assign → visit → submit → complete)."""
    case = intake_services.case_create(
        actor=world.staff,
        site=world.station,
        matter=world.matter,
        resident_name=name,
        resident_phone=phone,
        address="测试村3组12号",
        description="需要开具居住证明",
    )
    return advance(world, case, to="completed")


def advance(world: World, case: Case, *, to: str) -> Case:
    order = ["new", "assigned", "visited", "submitted", "completed"]
    for step in order[order.index(case.status) + 1 : order.index(to) + 1]:
        if step == "assigned":
            case = services.case_assign(actor=world.staff, case=case, agent=world.agent_grid)
        elif step == "visited":
            case = case_steps.case_visit(
                actor=world.grid_worker, case=case, note="已上门", materials_missing=[]
            )
        elif step == "submitted":
            case = case_steps.case_submit(
                actor=world.grid_worker,
                case=case,
                department="镇民政办",
                reference_no="R-1",
                note="已报送镇民政办",
            )
        elif step == "completed":
            case = case_steps.case_complete(actor=world.grid_worker, case=case, result="证明已开具")
    case.refresh_from_db()
    return case


class Outbox:
    """Records ``notification_enqueue`` calls made by the residents module."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def of(self, template: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["template"] == template]


@pytest.fixture
def outbox(monkeypatch) -> Outbox:
    box = Outbox()
    monkeypatch.setattr("residents.otp.notification_enqueue", box)
    monkeypatch.setattr("residents.staff_alerts.notification_enqueue", box)
    return box


LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "resident-tests"}
}


@pytest.fixture
def private_cache(request, settings):
    """A process-local cache for rate-limit tests: frozen time governs its expiry (Redis keeps server time)
    and parallel test workers sharing one Redis database cannot see each other's counters. Tests marked
    ``redis`` keep the configured cache."""
    from django.core.cache import cache

    if request.node.get_closest_marker("redis") is None:
        settings.CACHES = LOCMEM
    cache.clear()
    yield
    cache.clear()
