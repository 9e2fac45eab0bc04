"""Settings shared by every environment. Everything that varies comes from the environment (django-environ).

The embedded default (no variables set) is SQLite under ``var/``, a filesystem Celery broker under ``var/``
and a local-memory cache, so ``make run`` needs nothing but Python.
"""

from pathlib import Path

import environ
from celery.schedules import crontab as _crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("BANGBAN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "viewflow",
    "viewflow.workflow",
    "core",
    "agency",
    "workflows",
    "residents",
    "oversight",
    "notifications",
    "standards",
    "training",
    "showcase",
    "bench",
]

MIDDLEWARE = [
    # outermost: a database outage raised inside any middleware answers 503, under DEBUG too (core/errors.py)
    "core.errors.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # innermost: sees a view's exception first (database outage → 503, Http404 → the Chinese page)
    "core.errors.ErrorPagesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.ui_prefs",
                "core.context_processors.calendar_coverage",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the Celery worker share the file. IMMEDIATE: a
    # transaction takes the write lock when it begins, so a second writer waits (up to the timeout) instead
    # of failing at once with "database is locked" when it upgrades a read to a write (issue 26: two sends
    # of one Idempotency-Key gave a 500).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner cost of a random page read, per session. PostgreSQL's default (4) models spinning disks and
    # makes it walk every open case through one index rather than combine the (site, status) and
    # (agent, status) indexes for a station's list (23 ms vs 3 ms at 1,000,000 cases). 1.1 is the usual
    # figure for SSD storage; set DATABASE_RANDOM_PAGE_COST empty to keep the server's own setting.
    _random_page_cost = env.str("DATABASE_RANDOM_PAGE_COST", default="1.1")
    if _random_page_cost:
        _db_options = DATABASES["default"].setdefault("OPTIONS", {})
        _db_options["options"] = (
            f"{_db_options.get('options', '')} -c random_page_cost={float(_random_page_cost)}"
        )
    # Prepared statements: psycopg prepares a statement on the server once a connection has run it
    # DATABASE_PREPARE_THRESHOLD times (5), so PostgreSQL parses and plans each hot query once per connection
    # instead of on every request; planning was most of PostgreSQL's time per request (issue 7: an intake's
    # backend CPU 2.7 → 1.8 ms, the token check's 0.58 → 0.09 ms). Needs server-side parameter binding. Set
    # it empty behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode).
    _prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
    if _prepare_threshold:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(_prepare_threshold)}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/m/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Phones -----------------------------------------------------------------------------------------
PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# --- Cache and Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, reusing its redis client (core/cache.py)
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    # "localhost": the filesystem transport ignores the host, but without one kombu warns "No hostname was
    # supplied" on every connection (every command, every publish).
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        # the exchange-queue tables; kombu's default is ./control, which left a folder in the clone's root
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the outbox row stays pending and the sweep retries it.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Worker and beat only (publishing never reads it): None = reconnect forever after a broker outage. 0 made
# the worker exit with "Unrecoverable error" on the first lost connection (tests/faults/test_redis_outage.py).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic work (Celery beat), schedule in code. Every sweep selects only due rows through an index, works
# in batches and is safe to run twice at once (see each task's docstring).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Outbox: settle in-doubt sends, re-publish pending rows still unsent a minute after they fell due
    # (broker was down, worker killed, retry backoff over, rate cap over).
    "notifications-sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": 60.0},
    # Viewflow flow.Timer nodes: workflows.timer_tasks (viewflow.workflow.timers.fire_due_timers()); the task
    # keeps its registered name from before it moved out of notifications (messages already queued still run).
    "workflows-fire-timers": {"task": "notifications.tasks.fire_workflow_timers", "schedule": 60.0},
    # 08:00 local: the resident SMS held overnight by quiet hours (21:00-08:00) fall due together.
    "notifications-release-quiet-hours": {
        "task": "notifications.tasks.release_quiet_hours",
        "schedule": _crontab(hour=8, minute=0),
    },
    # Case reminders (workflows/reminders/). Every 5 min: agent due in 1 working day, visit pending,
    # resident feedback follow-up.
    "workflows-reminder-sweep": {"task": "workflows.reminder_tasks.reminder_sweep", "schedule": 300.0},
    # Every 15 min: unassigned too long (station), overdue ladder agent -> station -> town -> district.
    "workflows-escalation-sweep": {"task": "workflows.reminder_tasks.escalation_sweep", "schedule": 900.0},
    # 08:30 local: one digest per station per working day.
    "workflows-daily-digest": {
        "task": "workflows.reminder_tasks.daily_digest",
        "schedule": _crontab(hour=8, minute=30),
    },
}

# --- Bangban ------------------------------------------------------------------------------------------
# Reminders and escalation (workflows/reminders/): working hours a case may stay unassigned before
# station staff are alerted; the ladder's thresholds in working days past the deadline.
UNASSIGNED_ALERT_WORKING_HOURS = env.int("UNASSIGNED_ALERT_WORKING_HOURS", default=4)
REMINDER_ESCALATION_WORKING_DAYS = {"agent": 0, "station": 0, "town": 2, "district": 5}
FEEDBACK_FOLLOWUP_WORKING_DAYS = 2
REMINDER_LOOKBACK_DAYS = 30
# Residents get no SMS from 21:00 to 08:00 local time (held until the end); "0,0" turns quiet hours off.
NOTIFICATIONS_QUIET_HOURS = tuple(env.list("NOTIFICATIONS_QUIET_HOURS", cast=int, default=[21, 8]))
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
# Issue 27: mainland SMS providers (docs/sms.md). SMS_BACKEND=aliyun|tencent, optional SMS_FALLBACK_BACKEND (the
# second provider, tried after SMS_FAILOVER_AFTER retryable failures). One registered signature per deployment
# (a second, optional, for the town/district supervision messages); template ids per provider and message code
# as JSON: {"aliyun": {"case_received": "SMS_4640001", ...}, "tencent": {"case_received": "1890001", ...}}.
SMS_FALLBACK_BACKEND = env.str("SMS_FALLBACK_BACKEND", default="")
SMS_FAILOVER_AFTER = env.int("SMS_FAILOVER_AFTER", default=2)
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="帮办代办")
SMS_SIGNATURE_SECONDARY = env.str("SMS_SIGNATURE_SECONDARY", default="")
SMS_TEMPLATE_CODES = env.json("SMS_TEMPLATE_CODES", default={})
SMS_PROVIDER_TIMEOUT = env.float("SMS_PROVIDER_TIMEOUT", default=5.0)
SMS_RECEIPT_TOKEN = env.str("SMS_RECEIPT_TOKEN", default="")
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_ALIYUN_PROTOCOL = env.str("SMS_ALIYUN_PROTOCOL", default="https")
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_TENCENT_PROTOCOL = env.str("SMS_TENCENT_PROTOCOL", default="https")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
TRACK_RATE_LIMITS = env.str(
    "TRACK_RATE_LIMITS",
    default="otp_phone=5/h,otp_ip=30/h,verify_phone=5/15m,verify_ip=20/15m,lookup_ip=30/m",
)
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")  # shown on the Leaflet map (e.g. 审图号)

# --- Residents (issue 5: /track/, 好差评 feedback, bad-rating loop) -----------------------------------------
TRACK_OTP_TTL_SECONDS = env.int("TRACK_OTP_TTL_SECONDS", default=300)
TRACK_TOKEN_TTL_SECONDS = env.int("TRACK_TOKEN_TTL_SECONDS", default=30 * 60)
FEEDBACK_LINK_MAX_AGE_DAYS = env.int("FEEDBACK_LINK_MAX_AGE_DAYS", default=30)
# Feedback window: working days after completion before a case without a rating closes by itself.
FEEDBACK_AUTOCLOSE_DAYS = env.int("FEEDBACK_AUTOCLOSE_DAYS", default=5)
BAD_RATING_CALLBACK_DAYS = env.int("BAD_RATING_CALLBACK_DAYS", default=1)
BAD_RATING_RECTIFY_DAYS = env.int("BAD_RATING_RECTIFY_DAYS", default=5)
# Kiosk proof of presence (residents/kiosk.py): the rotating 现场评价码 and the enrolled tablet's cookie.
KIOSK_CODE_TTL_SECONDS = env.int("KIOSK_CODE_TTL_SECONDS", default=600)
# Appointments (issue 33): open (future, not declined/cancelled) bookings one verified phone may hold.
APPOINTMENT_MAX_OPEN_PER_PHONE = env.int("APPOINTMENT_MAX_OPEN_PER_PHONE", default=2)
KIOSK_DEVICE_DAYS = env.int("KIOSK_DEVICE_DAYS", default=365)
CELERY_BEAT_SCHEDULE.update(
    {
        "residents-bad-rating-sweep": {"task": "workflows.tasks.bad_rating_sweep", "schedule": 15 * 60.0},
        "residents-feedback-autoclose": {
            "task": "workflows.tasks.feedback_autoclose_sweep",
            "schedule": 3600.0,
        },
        "residents-records-purge": {"task": "workflows.tasks.resident_records_purge", "schedule": 86400.0},
        # AB岗: open cases of agents marked away move to their backup.
        "workflows-reroute-away-agents": {"task": "workflows.tasks.reroute_away_agents", "schedule": 300.0},
    }
)
# --- end Residents ---------------------------------------------------------------------------------------

# --- Issue 20 ---------------------------------------------------------------------------------------
# Staff case lists (and GET /api/v1/cases/?count=capped) count at most this many rows, then show "1,000+".
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=1000)
# Holiday calendar coverage (issue 20): banner when the next N days reach a year nobody entered; from
# 1 December district admins are alerted daily (deduped: once a week each) until next year is imported.
CALENDAR_COVERAGE_DAYS = env.int("CALENDAR_COVERAGE_DAYS", default=60)
# Issue 27: the SMS providers' delivery reports (a no-op without a provider backend).
CELERY_BEAT_SCHEDULE["notifications-pull-sms-receipts"] = {
    "task": "notifications.tasks.pull_sms_receipts",
    "schedule": 120.0,
}
CELERY_BEAT_SCHEDULE["calendar-coverage-alert"] = {
    "task": "notifications.tasks.calendar_coverage_alert",
    "schedule": _crontab(hour=9, minute=0),
}

# --- Django REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agency.auth.TokenAuthentication",  # DRF's, with the agent profile in the same query
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.exceptions.drf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bangban 帮办代办 API",
    "DESCRIPTION": "Case tracking for grassroots government service stations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets sharing a field name collide ("status"; "channel": the case's intake channel, the hand-off's,
    # the rating's); name them (otherwise "Status131Enum"/"Channel4afEnum" + a check --deploy warning)
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "workflows.models.Case.Status",
        "CaseChannelEnum": "workflows.models.Case.Channel",
        "HandoffChannelEnum": "handoffs.models.Channel",
    },
}

VIEWFLOW = {"AUTOREGISTER": False}

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "core.logging.ClientErrorTracebackFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's default config gives "django" its own console handler (under DEBUG) and lets it propagate
        # to ours as well: every django.request line was printed twice. One handler: the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}


# --- Security (axes) ----------------------------------------------------------------------------------
from typing import Any as _Any  # noqa: E402
from typing import cast as _cast  # noqa: E402

# Login brute force (issue 8): django-axes counts failed logins on /accounts/login/, /admin/login/ and the API
# token endpoint (core.views.TokenView checks the lock itself: DRF answers 429 there). After
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked for AXES_COOLOFF_TIME;
# locking the pair (not the bare IP, not the bare name) keeps a station's shared NAT address usable for its
# other staff, and keeps the right person at another address signing in while a stranger guesses.
INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out caller before the password check
    "core.login_guard.UsernameLockBackend",  # a username in its global cool-off (core/login_guard.py)
    "sso.backends.PasswordBackend",  # Django's ModelBackend, refusing every password when STAFF_PASSWORD_LOGIN=0
    "sso.backends.OIDCBackend",  # 统一身份认证: inert while OIDC_ISSUER is empty
    "core.login_guard.UsernameFailureBackend",  # last: counts a failure of every real backend
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# NUL bytes in paths/query strings: 400 before any PostgreSQL lookup can fail on them (core/middleware.py)
MIDDLEWARE.append("core.middleware.RejectNulBytesMiddleware")
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_LOCKOUT_CALLABLE = None
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False
# Issue 33: the client address is the one core.client_ip works out (TRUSTED_PROXIES below), for axes too.
AXES_CLIENT_IP_CALLABLE = (
    "core.client_ip.client_ip_or_none"  # None, not "unknown": axes stores it in an inet column
)
# The slower global limit per username, across addresses (core/login_guard.py): after this many failures
# within LOGIN_USERNAME_COOLOFF_MINUTES the name is refused everywhere for that long, then opens by itself.
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=30)
LOGIN_USERNAME_COOLOFF_MINUTES = env.float("LOGIN_USERNAME_COOLOFF_MINUTES", default=15.0)
# Proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma list); default: nobody, REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
# Staff API tokens expire this many hours after they were issued (core/api_tokens.py).
API_TOKEN_TTL_HOURS = env.float("API_TOKEN_TTL_HOURS", default=10.0)
# No personal data in logs: every handler masks phone and ID numbers (core/logging.py).
_logging = _cast(dict[str, _Any], LOGGING)
_logging.setdefault("filters", {})["mask_personal_data"] = {"()": "core.logging.PersonalDataFilter"}
for _handler in _logging["handlers"].values():
    _handler.setdefault("filters", []).append("mask_personal_data")
# --- end Security (axes) ------------------------------------------------------------------------------
# --- issue 15: 一件事 bundles and 全省通办/跨省通办 hand-offs ----------------------------------------------------
INSTALLED_APPS += ["bundles", "handoffs"]
# Outbound hand-off messages: console | file | dotted path of a notifications.backends.handoff.HandoffBackend
HANDOFF_BACKEND = env.str("HANDOFF_BACKEND", default="console")
HANDOFF_FILE_PATH = env.str("HANDOFF_FILE_PATH", default=str(VAR_DIR / "handoffs.jsonl"))
# A hand-off with no outcome after this many working days reminds the station (then once a working day).
HANDOFF_REMIND_WORKING_DAYS = env.int("HANDOFF_REMIND_WORKING_DAYS", default=5)
CELERY_BEAT_SCHEDULE["handoffs-remind"] = {
    "task": "handoffs.tasks.remind_overdue_handoffs",
    "schedule": 3600.0,
}
# Extra sections of a site's roster and hall-screen pages: ``f(site) -> {"title", "items": [{name, detail}]}``.
SITE_PAGE_SECTIONS = ["bundles.selectors.site_page_section", "guides.selectors.site_page_section"]
# Names shown on each site of the service map: ``f(site_ids) -> {site_id: [name, ...]}`` (one call per page).
SITE_MAP_BADGES = ["bundles.selectors.sites_bundle_names"]
# --- end issue 15 ------------------------------------------------------------------------------------------

# Demo-data steps of apps that build on agency (agency.demo.load_demo calls each, in order, after its own).
DEMO_DATA_STEPS = [
    "bundles.demo.load_bundles_demo",
    "standards.demo.standards_demo_load",
    "training.demo.load_training_demo",
    "showcase.demo.load_showcase_demo",
]
# --- Offline intake and material photos (issue 14) -------------------------------------------------------
INSTALLED_APPS.append("uploads")
# Intake Idempotency-Key rows are kept this many days (values below 7 count as 7).
INTAKE_KEY_RETENTION_DAYS = env.int("INTAKE_KEY_RETENTION_DAYS", default=30)
# Material photos (上门收件): kept this many days after their case closed (closed/rejected/withdrawn).
MATERIAL_PHOTO_RETENTION_DAYS = env.int("MATERIAL_PHOTO_RETENTION_DAYS", default=180)
# Where photos are stored: a Django storage alias of STORAGES ("default": MEDIA_ROOT on local disk; point
# STORAGES["default"] at any django-storages backend in production). Never served from a public URL.
MATERIAL_PHOTO_STORAGE = env.str("MATERIAL_PHOTO_STORAGE", default="default")
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_IMAGE_MAX_SIDE = env.int("UPLOAD_IMAGE_MAX_SIDE", default=2048)
CELERY_BEAT_SCHEDULE.update(
    {
        "uploads-photos-purge": {"task": "uploads.tasks.material_photos_purge", "schedule": 86400.0},
        "workflows-intake-keys-purge": {"task": "workflows.tasks.intake_keys_purge", "schedule": 86400.0},
    }
)
# --- end Offline intake and material photos -------------------------------------------------------------
# --- Unstorable input (issue 18) --------------------------------------------------------------------------
# JSON bodies: NUL / lone surrogates anywhere → 400 naming the field (core/parsers.py; forms and query strings:
# core.middleware.RejectNulBytesMiddleware, same rule from core.text.unstorable_fields).
_cast(dict[str, _Any], REST_FRAMEWORK)["DEFAULT_PARSER_CLASSES"] = ["core.parsers.JSONParser"]
# --- Printable guides (宣传海报, 工作折页) and the public 办事指南 pages ---------------------------------------
INSTALLED_APPS.append("guides")
# The CJK TrueType font the PDFs embed (guides.fonts: Debian fonts-wqy-microhei by default); index inside a .ttc.
GUIDES_CJK_FONT = env.str("GUIDES_CJK_FONT", default="")
GUIDES_CJK_FONT_INDEX = env.int("GUIDES_CJK_FONT_INDEX", default=0)
# A missing font is a startup error where posters must print (production), a warning elsewhere.
GUIDES_FONT_REQUIRED = False
# --- E-licences (电子证照) instead of paper --------------------------------------------------------------
INSTALLED_APPS.append("elicence")
DEMO_DATA_STEPS.append("elicence.demo.load_elicence_demo")
# The province's e-licence service (elicence/protocol.py); unset: not connected, the checklist asks for paper.
ELICENCE_URL = env.str("ELICENCE_URL", default="")
ELICENCE_APP_ID = env.str("ELICENCE_APP_ID", default="")
ELICENCE_SECRET = env.str("ELICENCE_SECRET", default="")
# An intake never waits on the service longer than this (seconds; at most 5).
ELICENCE_TIMEOUT_SECONDS = min(env.float("ELICENCE_TIMEOUT_SECONDS", default=3.0), 5.0)
# --- 好差评 upward reporting (issue 30) ----------------------------------------------------------------------
INSTALLED_APPS.append("upward")
# The provincial 好差评 endpoint (empty: reporting off, nothing queued); bearer token; per-request timeout (s).
UPWARD_ENDPOINT_URL = env.str("UPWARD_ENDPOINT_URL", default="")
UPWARD_TOKEN = env.str("UPWARD_TOKEN", default="")
UPWARD_TIMEOUT = env.float("UPWARD_TIMEOUT", default=5.0)
# Claim of a sending worker (longer than the send task's 30 s hard limit) and the sweep's grace after a row
# fell due before it republishes it (the on-commit publish normally got there first).
UPWARD_CLAIM_TIMEOUT = env.int("UPWARD_CLAIM_TIMEOUT", default=60)
UPWARD_SWEEP_GRACE = env.int("UPWARD_SWEEP_GRACE", default=60)
OVERSIGHT_DASHBOARD_SECTIONS = ["upward.selectors.dashboard_section"]
CELERY_BEAT_SCHEDULE["upward-sweep"] = {"task": "upward.tasks.sweep_upward", "schedule": 60.0}
# --- end 好差评 upward reporting ----------------------------------------------------------------------------
# --- Staff sign-in through OpenID Connect (issue 30) --------------------------------------------------------
INSTALLED_APPS += ["mozilla_django_oidc", "sso"]
# The provider (统一身份认证): its issuer URL (endpoints come from its discovery document; any of
# OIDC_OP_AUTHORIZATION_ENDPOINT/TOKEN/USER/JWKS/LOGOUT_ENDPOINT may be set to override), client, scopes.
# Empty issuer: OIDC off, the login page shows the password form only.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
# The claim whose value links a login to an agent (sso.StaffIdentity.value), e.g. the 统一身份 user id.
OIDC_IDENTITY_CLAIM = env.str("OIDC_IDENTITY_CLAIM", default="sub")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
for _name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS", "LOGOUT"):
    if env.str(f"OIDC_OP_{_name}_ENDPOINT", default=""):
        globals()[f"OIDC_OP_{_name}_ENDPOINT"] = env.str(f"OIDC_OP_{_name}_ENDPOINT")
OIDC_USE_PKCE = True  # authorization code flow with PKCE (S256)
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False  # an unknown identity gets no access, never a new account
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider logout
OIDC_CALLBACK_CLASS = "sso.views.CallbackView"
OIDC_AUTHENTICATE_CLASS = "sso.views.AuthenticateView"
OIDC_OP_LOGOUT_URL_METHOD = "sso.views.provider_logout_url"
# 0: no local staff passwords (login page, admin login, API token endpoint); sign-in through OIDC only.
STAFF_PASSWORD_LOGIN = env.bool("STAFF_PASSWORD_LOGIN", default=True)
# --- end Staff sign-in through OpenID Connect ----------------------------------------------------------------
# --- Photos on object storage (issue 30) -----------------------------------------------------------------
# 1: the scope-checked photo view answers with a redirect to a short-lived signed URL of the storage (S3:
# MEDIA_S3_SIGNED_URL_SECONDS) instead of streaming the bytes itself; storages without signed URLs stream.
MATERIAL_PHOTO_SIGNED_REDIRECT = env.bool("MATERIAL_PHOTO_SIGNED_REDIRECT", default=False)
# --- end Photos on object storage ------------------------------------------------------------------------
