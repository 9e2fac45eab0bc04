from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    """The residents' side: OTP login, /track/, ratings (好差评), call-backs, rectification, appeals, kiosk,
    appointments and doorstep requests. Built on workflows (cases); workflows never imports it, so what a case
    transition needs from here is registered through ``workflows.extensions`` in ``ready()``."""

    name = "residents"
    verbose_name = "群众服务与评价"

    def ready(self) -> None:
        from residents import hooks

        hooks.register()
