from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Holds the ``bench_data`` management command; no models."""

    name = "bench"
    verbose_name = "Benchmark data"
