"""DTI settings: one file, driven by environment variables.

SQLite under ./var by default; set DATABASE_URL for PostgreSQL. Secrets come
from the environment or from a file named by the variable with ``_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    return default if value == "" else value.lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return default if value == "" else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


#: Production (DTI_PRODUCTION=1): no development fallbacks, DEBUG off, static files collected
#: with hashed names. See docs/deploy.md.
DTI_PRODUCTION = env_bool("DTI_PRODUCTION", False)
DEBUG = env_bool("DTI_DEBUG", False)
VAR_DIR = Path(env_str("DTI_VAR_DIR", str(BASE_DIR / "var")))
SECRET_KEY = env_str("DTI_SECRET_KEY") or (
    "" if DTI_PRODUCTION else "dev-only-insecure-key-set-DTI_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list(
    "DTI_ALLOWED_HOSTS", "" if DTI_PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
if DTI_PRODUCTION:
    _missing = [
        name
        for name, value in (("DTI_SECRET_KEY", SECRET_KEY), ("DTI_ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"DTI_PRODUCTION=1 needs {' and '.join(_missing)}: DTI_SECRET_KEY a random string of "
            "50 characters or more (python3 -c 'import secrets; print(secrets.token_urlsafe(50))'),"
            " DTI_ALLOWED_HOSTS the host names DTI is served under, comma-separated "
            "(dti.example.gov.vn). See docs/deploy.md."
        )
    if DEBUG:
        raise ImproperlyConfigured("DTI_DEBUG must be off when DTI_PRODUCTION=1.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dti.web",
    "dti.audit",
    "dti.units",
    "dti.accounts",
    "dti.frameworks",
    "dti.periods",
    "dti.assessments",
    "dti.appraisal",
    "dti.results",
    "dti.plans",
    "dti.steering",
    "dti.api",
    "ninja",
]

MIDDLEWARE = [
    "dti.web.security.ProxiedAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dti.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dti.accounts.middleware.SessionRefreshMiddleware",
    "dti.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dti.accounts.middleware.AccountGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dti.urls"
WSGI_APPLICATION = "dti.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dti.web.context.nav",
            ],
        },
    },
    {
        # The long lists of the busiest pages (criteria cards and rows): see dti/web/jinja.py.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "dti.web.jinja.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dti.sqlite3'}",
        conn_max_age=env_int("DTI_DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,  # a kept connection is tested before use (PostgreSQL restarts)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "start"

# Sessions end after this many seconds without a request, and when the browser closes. A session
# in use is refreshed every few minutes, not written on every request: see
# dti.accounts.middleware.SessionRefreshMiddleware.
SESSION_COOKIE_AGE = env_int("DTI_SESSION_SECONDS", 2 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# CSRF_COOKIE_HTTPONLY stays off: the assessment form's script reads the token from the cookie.

# Security headers, in every mode. dti.web.security adds the Content-Security-Policy.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the appraisal page frames evidence files: that view says SAMEORIGIN
#: Send the policy as Content-Security-Policy-Report-Only: the browser reports, blocks nothing.
DTI_CSP_REPORT_ONLY = env_bool("DTI_CSP_REPORT_ONLY", False)
#: Where browsers send their reports of what the policy blocked (report-uri), if anywhere.
DTI_CSP_REPORT_URI = env_str("DTI_CSP_REPORT_URI")

#: Behind a proxy that terminates TLS (nginx, a load balancer), which sets X-Forwarded-Proto:
#: HTTP redirected to HTTPS, HSTS, cookies sent over HTTPS only.
DTI_HTTPS = env_bool("DTI_HTTPS", False)
if DTI_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("DTI_HSTS_SECONDS", 365 * 24 * 60 * 60)
    # Both commit more than DTI's own host name (every subdomain; the browsers' preload list),
    # so they are the operator's decision, off unless set; `check --deploy` is told so.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DTI_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DTI_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DTI_CSRF_TRUSTED_ORIGINS") or [
        f"https://*{host}" if host.startswith(".") else f"https://{host}"
        for host in ALLOWED_HOSTS
        if host != "*"
    ]

#: The proxies in front of DTI (addresses or networks, comma-separated: 127.0.0.1 for nginx on
#: the same machine, the load balancers' addresses). For requests from them the client's
#: address — for the audit trail and the API's limits — is taken from X-Forwarded-For.
DTI_TRUSTED_PROXIES = env_list("DTI_TRUSTED_PROXIES")

#: Sign-in lockout: this many failures in a row lock the account for this many minutes.
DTI_LOCKOUT_ATTEMPTS = env_int("DTI_LOCKOUT_ATTEMPTS", 5)
DTI_LOCKOUT_MINUTES = env_int("DTI_LOCKOUT_MINUTES", 15)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DTI_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up otherwise
# Development serves the apps' static folders as they are; production serves what collectstatic
# gathered under STATIC_ROOT, with hashed names (cached for ever) and gzip copies.
WHITENOISE_USE_FINDERS = not DTI_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(env_str("DTI_MEDIA_ROOT", str(VAR_DIR / "media")))

#: Uploaded files (evidence, steering reports) on the local disk under MEDIA_ROOT, or in a bucket
#: of S3-compatible object storage (MinIO, Ceph, a cloud's) when DTI_S3_BUCKET is set. Files stay
#: private either way: no public ACL, no public URL; DTI's own views serve them after checking
#: who asks.
DTI_S3_BUCKET = env_str("DTI_S3_BUCKET")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": DTI_S3_BUCKET,
                "location": env_str("DTI_S3_PREFIX"),  # a folder in the bucket, if shared
                "endpoint_url": env_str("DTI_S3_ENDPOINT_URL") or None,  # None: AWS itself
                "region_name": env_str("DTI_S3_REGION") or None,
                # None: boto3's own chain (AWS_* variables, ~/.aws, the machine's role).
                "access_key": env_str("DTI_S3_ACCESS_KEY") or None,
                "secret_key": env_str("DTI_S3_SECRET_KEY") or None,
                "addressing_style": env_str("DTI_S3_ADDRESSING_STYLE") or None,  # "path": MinIO
                "default_acl": None,  # the bucket's own: private
                "querystring_auth": True,  # any URL made from a file is signed and expires
                "file_overwrite": False,  # names are random already; never replace a file
            },
        }
        if DTI_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if DTI_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

#: The cache (API rate limits) and sessions: in this process's memory and the database by
#: default; with DTI_REDIS_URL, in Redis, shared by every process and server. Sessions are
#: written to the database as well (cached_db), so none is lost when Redis restarts.
DTI_REDIS_URL = env_str("DTI_REDIS_URL")
if DTI_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DTI_REDIS_URL,
            "KEY_PREFIX": env_str("DTI_REDIS_PREFIX", "dti"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

#: Largest evidence file accepted, in bytes (20 MB by default).
DTI_EVIDENCE_MAX_BYTES = env_int("DTI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Uploads over 2.5 MB wait in an unnamed temporary file: a worker killed during the upload
# leaves no file behind (dti.web.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "dti.web.uploads.UnnamedTemporaryFileUploadHandler",
]

#: API requests a minute per personal access token, and per address for calls without a token.
DTI_API_RATE_PER_MINUTE = env_int("DTI_API_RATE_PER_MINUTE", 300)
DTI_API_ANON_RATE_PER_MINUTE = env_int("DTI_API_ANON_RATE_PER_MINUTE", 60)

#: Largest framework file (YAML or Excel) accepted for import, in bytes.
DTI_FRAMEWORK_MAX_BYTES = env_int("DTI_FRAMEWORK_MAX_BYTES", 5 * 1024 * 1024)
#: Largest request body other than uploaded files (a framework sent to the API as JSON or YAML).
DATA_UPLOAD_MAX_MEMORY_SIZE = DTI_FRAMEWORK_MAX_BYTES + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DTI_LOG_LEVEL", "WARNING")},
}

# Mail, for `dti remind --send`: an SMTP server when DTI_EMAIL_HOST is set, else the console.
EMAIL_HOST = env_str("DTI_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("DTI_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("DTI_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("DTI_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DTI_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DTI_EMAIL_FROM", "dti@localhost")
