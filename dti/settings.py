"""DTI settings: one file, driven by environment variables.

SQLite under ./var by default; set DATABASE_URL for PostgreSQL. Secrets come
from the environment or from a file named by the variable with ``_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

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


DEBUG = env_bool("DTI_DEBUG", False)
VAR_DIR = Path(env_str("DTI_VAR_DIR", str(BASE_DIR / "var")))
SECRET_KEY = env_str("DTI_SECRET_KEY") or "dev-only-insecure-key-set-DTI_SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("DTI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dti.sqlite3'}",
        conn_max_age=env_int("DTI_DB_CONN_MAX_AGE", 0),
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

# Sessions end after this many seconds without a request, and when the browser closes.
SESSION_COOKIE_AGE = env_int("DTI_SESSION_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

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
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(env_str("DTI_MEDIA_ROOT", str(VAR_DIR / "media")))

#: Largest evidence file accepted, in bytes (20 MB by default).
DTI_EVIDENCE_MAX_BYTES = env_int("DTI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

#: Largest framework file (YAML or Excel) accepted for import, in bytes.
DTI_FRAMEWORK_MAX_BYTES = env_int("DTI_FRAMEWORK_MAX_BYTES", 5 * 1024 * 1024)

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
