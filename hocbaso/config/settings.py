"""hocbaso settings: everything comes from the environment; no .env means a local demo on SQLite."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hocbaso.config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HOCBASO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
_DEV_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - refused below when DEBUG is off
SECRET_KEY = env_secret("SECRET_KEY", _DEV_KEY)
if not DEBUG and SECRET_KEY == _DEV_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
# Key of the hashes that tie a field verification to the value verified. Changing it makes
# every field unverified again, so it is kept apart from SECRET_KEY (which may rotate).
FIELD_HASH_KEY = env_secret("FIELD_HASH_KEY", "dev-only-field-hash-key")
if not DEBUG and FIELD_HASH_KEY == "dev-only-field-hash-key":
    raise ImproperlyConfigured("FIELD_HASH_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hocbaso.audit",
    "hocbaso.org",
    "hocbaso.people",
    "hocbaso.assessment",
    "hocbaso.inspection",
    "hocbaso.signing",
    "hocbaso.records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hocbaso.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hocbaso.config.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hocbaso.people.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hocbaso.config.urls"
WSGI_APPLICATION = "hocbaso.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hocbaso" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "hocbaso.sqlite3"),
            "OPTIONS": {
                # WAL and IMMEDIATE transactions: concurrent writers queue instead of failing
                # with "database is locked" in the middle of a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: staff are logged out after 30 idle minutes (StaffIdleTimeoutMiddleware);
# every session ends after 12 hours at most.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "hocbaso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "hocbaso" / "static"]
# Uploaded files (pupil photos, imports) live outside any web root and are served only by
# authorised views.
PRIVATE_MEDIA_ROOT = Path(env_str("HOCBASO_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))

# Import guards (security.md finding 4).
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_SECONDS = env_int("IMPORT_MAX_SECONDS", 20)
IMPORT_MAX_MEMORY_BYTES = env_int("IMPORT_MAX_MEMORY_BYTES", 512 * 1024 * 1024)
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
