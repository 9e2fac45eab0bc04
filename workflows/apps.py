from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "帮办案件"

    def ready(self) -> None:
        # Celery's autodiscovery imports only ``workflows.tasks``; the case reminder sweeps live in their
        # own module so they register here.
        from workflows import reminder_tasks  # noqa: F401
