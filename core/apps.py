from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from core.errors import note_request_exception

        # Not business logic: it only lets the outermost middleware tell an outage 500 from a bug (core.errors).
        got_request_exception.connect(note_request_exception, dispatch_uid="core.errors.outage")
