from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "站点达标自评"

    def ready(self) -> None:
        from oversight.cockpit import register_tile
        from standards.cockpit_tile import standards_tile

        register_tile(standards_tile)
