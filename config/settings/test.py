"""Test settings: SQLite in memory unless DATABASE_URL is set; Redis only when REDIS_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="test-only-insecure-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Stats figures are cached across requests; tests hold per-test data, so off (test_perf turns it on).
STATS_CACHE_SECONDS = 0
# Template texts likewise: tests edit them and expect the next message to use the edit (cache tests turn it on).
NOTIFICATIONS_TEMPLATE_CACHE_SECONDS = 0
# Fault tests (tests/faults) shorten the outbox's time bounds for the worker subprocesses they start, so a
# worker killed mid-send is recovered in seconds; unset, the production defaults of notifications.services hold.
for _name in ("NOTIFICATIONS_CLAIM_TIMEOUT", "NOTIFICATIONS_SWEEP_GRACE", "NOTIFICATIONS_PUBLISH_LEASE"):
    if env.str(_name, default=""):
        globals()[_name] = env.int(_name)
