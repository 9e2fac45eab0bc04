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
