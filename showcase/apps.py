from django.apps import AppConfig


class ShowcaseConfig(AppConfig):
    name = "showcase"
    verbose_name = "典型案例"

    def demo_data(self, result: object) -> None:
        from showcase.demo import load_showcase_demo

        load_showcase_demo()
