"""The Celery application `config` (`celery -A config worker|beat`).

Broker: Redis when ``REDIS_URL`` is set, otherwise kombu's filesystem transport under ``var/``
(see ``config.settings.base``), so the embedded default needs no server.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
