from django.apps import AppConfig


class UpwardConfig(AppConfig):
    """好差评 upward reporting: every rating, 追评, call-back and rectification goes to the provincial 好差评
    system through this app's outbox. Built on residents (it reads the ratings); residents never imports it,
    so the enqueue is a listener registered in ``residents.rating_events`` from ``ready()``."""

    name = "upward"
    verbose_name = "好差评上报"

    def ready(self) -> None:
        from residents.rating_events import register_rating_listener
        from upward.services import upward_on_rating_record

        register_rating_listener(upward_on_rating_record)
