"""Starting a district export: built in the request when small, queued as an ``ExportJob`` when large.

Kept apart from ``oversight.exports`` (which builds workbooks, also for the Celery task) because queueing means
importing ``oversight.tasks``, which imports the builder: one direction only, no loop.
"""

from __future__ import annotations

from django.db import transaction

from core.models import User
from core.services import audit_log
from oversight import stats
from oversight.exports import UNMASK_PERMISSION, export_cases_query, export_filename, export_workbook
from oversight.models import ExportJob
from oversight.tasks import export_build

SYNC_MAX_ROWS = 2000  # above this many cases the export is built by a worker


def _may_unmask(user: User) -> bool:
    return bool(user.has_perm(UNMASK_PERMISSION))


@transaction.atomic
def export_request(
    *, actor: User, site_code: str | None, period: stats.Period, ip: str | None = None
) -> tuple[bytes | None, ExportJob | None, str]:
    """Start an export: ``(xlsx, None, filename)`` when small, ``(None, job, filename)`` when queued.

    Scope as for stats (403/404 ``ApplicationError``). Audited either way, with the unmasked flag.
    """
    scope = stats.stats_scope(user=actor, site_code=site_code)
    unmasked = _may_unmask(actor)
    total = export_cases_query(scope=scope, period=period).count()
    params = {
        "site": site_code or "",
        "from": period.start.isoformat() if period.start else "",
        "to": period.end.isoformat() if period.end else "",
    }
    filename = export_filename(scope, period)
    if total <= SYNC_MAX_ROWS:
        audit_log(
            actor=actor,
            action="cases_export",
            target_type="export",
            target_id="direct",
            ip=ip,
            detail={**params, "rows": total, "unmasked": unmasked},
        )
        return export_workbook(scope=scope, period=period, unmasked=unmasked), None, filename
    job = ExportJob(requested_by=actor, params=params, unmasked=unmasked, total=total)
    job.full_clean(exclude=["file"])
    job.save()
    audit_log(
        actor=actor,
        action="cases_export",
        target_type="export",
        target_id=str(job.pk),
        ip=ip,
        detail={**params, "rows": total, "unmasked": unmasked, "background": True},
    )
    transaction.on_commit(lambda: export_build.delay(job.pk))
    return None, job, filename
