from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "培训练兵与事项资格"

    def ready(self) -> None:
        # The qualification hooks workflows calls without importing us (workflows.extensions).
        from training import hooks
        from workflows import extensions

        extensions.register_suggestion_ranker(hooks.rank_by_qualification)
        extensions.register_assign_check(hooks.flag_unqualified_assignment)
