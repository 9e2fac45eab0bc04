"""Intake (受理登记): ``case_create``, the one path by which a case comes into being (API, pages, appointments,
Open311, 一件事)."""

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agency.models import Grid, Matter, Site
from core.db_errors import is_unique_violation
from core.exceptions import ApplicationError
from core.phones import normalize_phone
from core.workdays import add_working_days
from workflows import permissions, selectors
from workflows.case_numbers import generate_case_no
from workflows.flows import CaseFlow
from workflows.models import Case, CaseEvent
from workflows.timeline import case_event_write
from workflows.transitions import S, case_text, notify_resident

logger = logging.getLogger(__name__)

SPECIAL_GROUP_PRIORITY = 10

CASE_NO_ATTEMPTS = 3
P = ParamSpec("P")


def _retry_case_no_clash(func: Callable[P, Case]) -> Callable[P, Case]:
    """Run an intake again with a fresh random case number when the unique index refuses the one it drew.

    Cheaper than asking first on every intake: a clash is rare (about one intake in 10⁴ in a month with
    100,000 already numbered), and the failed attempt is rolled back whole (only its savepoint when a caller
    holds a transaction), so no half-made case, event or message survives it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Case:
        for attempt in range(1, CASE_NO_ATTEMPTS):
            try:
                return func(*args, **kwargs)
            except IntegrityError as exc:
                if not is_unique_violation(exc, model=Case, field="case_no"):
                    raise
                logger.info("case number clash on intake (attempt %s): %s", attempt, exc)
        return func(*args, **kwargs)

    return wrapper


@_retry_case_no_clash
@transaction.atomic
def case_create(
    *,
    actor: Any,
    site: Site,
    matter: Matter,
    resident_name: str,
    resident_phone: str,
    address: str,
    description: str = "",
    channel: str = "doorstep",
    special_groups: Iterable[str] = (),
    grid: Grid | None = None,
    id_number: str = "",
    events_out: list[CaseEvent] | None = None,
) -> Case:
    """Log a resident's request (受理登记) and start its process.

    ``events_out``: if given, the new case's timeline (its ``created`` event) is appended to it, so the
    caller can answer without reading the case back.

    Due date: ``matter.time_limit_days`` Chinese working days after today. Special groups (老年人, 残疾人,
    独居, 低保) raise the priority and force doorstep service.
    """
    role = selectors.actor_role(actor)
    if not permissions.role_may_create(role):
        raise ApplicationError("您无权登记帮办事项。", status=403)
    if not selectors.site_in_scope(user=actor, site=site):
        raise ApplicationError("只能为本人服务的站点登记。", {"site": site.code}, status=403)
    if not site.is_active:
        raise ValidationError({"site": ["该站点已停用。"]})
    if not matter.is_active:
        raise ValidationError({"matter": ["该事项已停用。"]})
    if grid is not None and grid.site_id != site.pk:
        raise ValidationError({"grid": ["网格不属于该站点。"]})
    groups = list(dict.fromkeys(special_groups))
    bad = [g for g in groups if g not in Case.SpecialGroup.values]
    if bad:
        raise ValidationError({"special_groups": [f"未知的特殊群体：{', '.join(map(str, bad))}"]})
    if channel not in Case.Channel.values:
        raise ValidationError({"channel": ["未知的受理渠道。"]})
    phone = normalize_phone(resident_phone)
    if phone is None:
        raise ValidationError({"resident_phone": ["请输入有效的手机号码，例如 138 0013 8000。"]})
    if groups:
        channel = Case.Channel.DOORSTEP  # special groups get doorstep service
    now = timezone.now()
    case = Case(
        case_no=generate_case_no(now),  # a clash fails the INSERT below and ``case_create`` retries
        site=site,
        grid=grid,
        matter=matter,
        resident_name=case_text(resident_name, field="resident_name", max_length=64, required=True),
        resident_phone=phone,
        id_number=case_text(id_number, field="id_number", max_length=32).strip(),
        address=case_text(address, field="address", max_length=255, required=True),
        description=case_text(description, field="description", max_length=2000),
        channel=channel,
        special_groups=groups,
        priority=(SPECIAL_GROUP_PRIORITY + len(groups)) if groups else 0,
        status=S.NEW,
        due_at=add_working_days(now, matter.time_limit_days),
        created_by=actor,
        created_at=now,
    )
    # Field validation only, no queries: the unique index checks the case number (``_retry_case_no_clash``),
    # and site, matter, grid and the actor are loaded instances, so full_clean's per-FK existence SELECTs
    # (and its case_no SELECT) would only repeat what the INSERT itself checks.
    case.full_clean(exclude=["process", "site", "matter", "grid", "created_by"], validate_unique=False)
    case.process = CaseFlow.start.run(case=case)  # first, so that the case row is written once, with it
    case.save()
    event = case_event_write(
        case=case,
        kind="created",
        note=f"已受理：{matter.name}（{case.get_channel_display()}）",
        actor=actor,
        data={"channel": channel, "special_groups": groups},
    )
    notify_resident(case, "case_received", "received")
    if events_out is not None:
        events_out.append(event)
    return case
