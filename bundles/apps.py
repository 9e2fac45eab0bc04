from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "bundles"
    verbose_name = "一件事"

    def ready(self) -> None:
        # workflows may not import bundles: its transition path calls the hooks registered here (see
        # workflows.extensions) so a member case's completion/withdrawal moves its bundle on.
        from bundles.services import on_case_changed
        from workflows.extensions import register_case_changed

        register_case_changed(on_case_changed)

        # the district's XLSX export counts bundles beside single matters (workflows cannot import bundles)
        from bundles.exports import bundle_export_sheet
        from oversight.exports import register_export_sheet

        register_export_sheet(bundle_export_sheet)
