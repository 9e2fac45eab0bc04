"""Production: every secret from the environment, no defaults; passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from core.secret_key import secret_key_problem

from .base import *  # noqa: F403
from .base import env
from .object_storage import s3_storage

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # required: no default on purpose
# Refuse to start with a placeholder (.env.example's "change-me") or a short key: every process (web, worker,
# beat, manage.py) loads these settings, so none of them runs with a guessable secret.
if _problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY {_problem}. 请设置一个随机长值 / set a long random value: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405

STORAGES = {
    # uploaded files: an S3-compatible bucket when MEDIA_S3_BUCKET is set (config/settings/object_storage.py)
    "default": s3_storage(env) or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.storage.StaticStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Secure cookies follow the redirect: a trial over plain http (.env.example: DJANGO_SECURE_SSL_REDIRECT=0) must
# still keep its login; behind TLS (the default, and what `check --deploy` sees) they are https-only.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=SECURE_SSL_REDIRECT)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The printable guides need their CJK font on every web host (Dockerfile installs fonts-wqy-microhei).
GUIDES_FONT_REQUIRED = True
