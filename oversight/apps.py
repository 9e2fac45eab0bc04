from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Oversight for town and district admins: statistics and dashboards, exports, the service map and Open311.
    Read-side: it reads cases (workflows) and ratings (residents); neither imports it."""

    name = "oversight"
    verbose_name = "监督统计"
