"""Celery task that builds a large XLSX export (``oversight.exports.export_job_run``)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from oversight import exports
from oversight.models import ExportJob

logger = logging.getLogger(__name__)


@shared_task(
    name="workflows.export_tasks.export_build",  # the name from before issue 19: queued jobs still find it
    bind=True,
    acks_late=True,
    max_retries=3,
    soft_time_limit=570,
    time_limit=600,
    ignore_result=True,
)
def export_build(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    """Build export ``job_id``; retried with backoff; marked failed after the last try (idempotent)."""
    if not ExportJob.objects.filter(pk=job_id).exists():
        return
    try:
        exports.export_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        exports.export_job_fail(job_id=job_id, error="导出超时，请缩小时间范围。")
    except Exception as exc:
        logger.exception("export %s failed", job_id)
        if self.request.retries >= self.max_retries:
            exports.export_job_fail(job_id=job_id, error="导出失败，请稍后重试。")
            return
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries)
