from django.apps import AppConfig


class ElicenceConfig(AppConfig):
    """电子证照: materials a province e-licence satisfies, looked up with the resident's consent."""

    name = "elicence"
    verbose_name = "电子证照"
