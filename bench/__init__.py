"""The benchmark: ``make bench`` (``bench/run.py`` and its scripts) and the data it runs on, as a Django app so
``manage.py bench_data`` lives next to it (``bench.data`` generates and writes the rows)."""
