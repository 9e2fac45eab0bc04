"""Beat task: material photos past their retention (``uploads-photos-purge`` in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from uploads import services


@shared_task(
    name="uploads.tasks.material_photos_purge",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
    ignore_result=True,
)
def material_photos_purge() -> int:
    """Idempotent: a second run finds nothing left to delete."""
    return services.material_photos_purge()
