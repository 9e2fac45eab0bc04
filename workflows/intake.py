"""Exactly-once intake: the one place that honours the intake API's ``Idempotency-Key`` header.

A grid worker's phone queues requests logged without signal and sends each with its client-generated id as
the key. A retry after a lost response, a double tap or a second sync must return the case the first send
created, never create another. How:

* ``(user, key)`` is unique in ``IntakeKey``. The case and its key row are written in one savepoint, so two
  sends racing on PostgreSQL both try the INSERT; the second blocks on the first's index entry until it
  commits, fails with ``IntegrityError``, rolls its own case back (savepoint) and answers the winner's case.
* On SQLite (the embedded default) transactions begin IMMEDIATE (``config.settings.base``): the second send
  waits for the first to commit and then finds its key; if the wait outlasts the busy timeout, the API answers
  409 "正在处理" with ``Retry-After`` (``IN_PROGRESS_RETRY_AFTER``), never a 500.
* The body the first send was answered with is stored with the key and answered again (200) on a replay.
* The same key with another body (a different ``request_hash``) is a 409: the phone reused an id.
* Keys are scoped to the user who sent them and kept ``INTAKE_KEY_RETENTION_DAYS`` (at least 7) days;
  ``intake_keys_purge`` (beat task) deletes older ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from core.exceptions import ApplicationError
from workflows.intake_models import IntakeKey
from workflows.models import Case

MIN_RETENTION_DAYS = 7
# What a phone generates (a UUID) or an integrator might send: printable ASCII, no spaces, 1-128 characters.
KEY_RE = re.compile(r"^[!-~]{1,128}$")


@dataclass(frozen=True)
class IntakeOutcome:
    """The case a keyed intake stands for, the body to answer and whether it was a replay (200, not 201)."""

    case: Case
    body: dict[str, Any]
    replayed: bool


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "INTAKE_KEY_RETENTION_DAYS", MIN_RETENTION_DAYS)))


def key_clean(raw: str | None) -> str | None:
    """The header's value, or None when absent; a malformed key is a 400 (not silently ignored)."""
    if raw is None:
        return None
    if not KEY_RE.match(raw):
        raise ApplicationError(
            "Idempotency-Key 无效：应为 1-128 个可见 ASCII 字符（建议使用 UUID）。",
            {"header": "Idempotency-Key"},
        )
    return raw


def request_hash(data: Any) -> str:
    """SHA-256 of the request body as canonical JSON (keys sorted), whatever order the client sent."""
    if hasattr(data, "lists"):  # a QueryDict (form-encoded body): every value list, in order
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=JSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_native(body: dict[str, Any]) -> dict[str, Any]:
    # what the API renders (DRF's encoder), so the first answer and every replay are the same bytes
    return json.loads(json.dumps(body, cls=JSONEncoder))


def _replay(row: IntakeKey, digest: str) -> IntakeOutcome:
    if row.request_hash != digest:
        raise ApplicationError(
            "该 Idempotency-Key 已用于另一份登记内容，不能再用于不同的请求；如需新登记，请使用新的键。",
            {"header": "Idempotency-Key", "case_no": row.case.case_no},
            status=409,
        )
    return IntakeOutcome(case=row.case, body=row.response, replayed=True)


def _find(actor: Any, key: str) -> IntakeKey | None:
    return IntakeKey.objects.filter(user=actor, key=key).select_related("case").first()


def case_intake_once(
    *,
    actor: Any,
    key: str,
    digest: str,
    create: Callable[[], tuple[Case, dict[str, Any]]],
) -> IntakeOutcome:
    """Run ``create`` (which validates, calls ``intake_services.case_create`` and builds the answer) at most once
    per (actor, key). A replay with the same ``digest`` answers the stored body; another digest is a 409."""
    row = _find(actor, key)
    if row is not None:
        return _replay(row, digest)
    try:
        with transaction.atomic():
            # Looked up again under the transaction: on SQLite (IMMEDIATE transactions) a concurrent send of
            # this key has waited for the first to commit and finds its row here, without creating a case.
            row = _find(actor, key)
            if row is not None:
                return _replay(row, digest)
            case, body = create()
            body = _json_native(body)
            row = IntakeKey(
                user=actor, key=key, request_hash=digest, case=case, response=body, created_at=timezone.now()
            )
            # the unique index, not a SELECT, settles a race: full_clean checks the fields only
            row.full_clean(exclude=["user", "case"], validate_unique=False, validate_constraints=False)
            row.save(force_insert=True)
    except IntegrityError:
        # Lost a race with a concurrent send of the same key: its case stands, ours was rolled back.
        row = _find(actor, key)
        if row is None:
            raise
        return _replay(row, digest)
    return IntakeOutcome(case=case, body=body, replayed=False)


def intake_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than the retention (a replay after that would log a new case). Returns the count."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    deleted, _ = IntakeKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
