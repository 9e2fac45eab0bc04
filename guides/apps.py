from django.apps import AppConfig


class GuidesConfig(AppConfig):
    """Printable guides (宣传海报, 工作折页) and the public 办事指南 pages."""

    name = "guides"
    verbose_name = "办事指南与宣传资料"

    def ready(self) -> None:
        from guides import checks  # noqa: F401 - registers the font check
