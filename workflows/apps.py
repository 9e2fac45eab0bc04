from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "帮办案件"

    def ready(self) -> None:
        # Celery's autodiscovery imports only ``workflows.tasks``; the case reminder sweeps live in their
        # own module so they register here.
        # issue 27: a resident SMS that did not arrive alerts the case's agent (notifications knows no cases)
        from notifications.receipts import register_undelivered_handler
        from workflows import reminder_tasks  # noqa: F401
        from workflows.sms_alerts import case_sms_undelivered

        register_undelivered_handler(case_sms_undelivered)
