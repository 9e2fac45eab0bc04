from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        # Celery autodiscovery imports ``tasks`` modules only; the calendar alert task lives apart (see there).
        from notifications import (
            calendar_tasks,  # noqa: F401
            checks,  # noqa: F401 - registers the SMS provider system check
        )
