from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "站点达标自评"

    def ready(self) -> None:
        from oversight.cockpit import register_tile
        from standards.cockpit_tile import standards_tile

        register_tile(standards_tile)

        from agency.extensions import site_tier_provider_register
        from standards.selectors import shown_tiers

        # the sites API's approved_tier: the tier consistent with the record, as the standards page shows it
        site_tier_provider_register(shown_tiers)
