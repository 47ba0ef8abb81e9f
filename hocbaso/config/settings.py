"""hocbaso settings: everything comes from the environment; no .env means a local demo on SQLite."""

from __future__ import annotations

import json
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
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (1 behind one nginx);
# 0 ignores the header (config/client_address.py).
TRUSTED_PROXY_COUNT = env_int("HOCBASO_TRUSTED_PROXY_COUNT", 0)

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
    "hocbaso.notifications",
    "hocbaso.portal",
    "hocbaso.api",
    "hocbaso.exchange",
    "hocbaso.oversight",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hocbaso.config.security_headers.SecurityHeadersMiddleware",
    "hocbaso.config.client_address.ClientAddressMiddleware",
    "hocbaso.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hocbaso.config.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hocbaso.people.middleware.StaffIdleTimeoutMiddleware",
    "hocbaso.people.middleware.SecondFactorRequiredMiddleware",
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
    {"NAME": "hocbaso.people.password_rules.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# -- Security (issue 7; docs/deploy.md, .env.example) ------------------------------------------
# Sessions: a staff member idle STAFF_IDLE_TIMEOUT_SECONDS is logged out; every session ends
# SESSION_MAX_AGE_SECONDS after the login, however active (people/middleware.py).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_MAX_AGE_SECONDS = env_int("SESSION_MAX_AGE_SECONDS", SESSION_COOKIE_AGE)
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60)
# An account that opens only the parents' portal (people/session_limits.py) is used on the
# parent's own phone: idle 30 days, at most 90 days after the login (docs/parents.md, Sessions).
PARENT_IDLE_TIMEOUT_SECONDS = env_int("PARENT_IDLE_TIMEOUT_SECONDS", 30 * 24 * 3600)
PARENT_SESSION_MAX_AGE_SECONDS = env_int("PARENT_SESSION_MAX_AGE_SECONDS", 90 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# HTTPS: on by default with DEBUG off. Behind nginx, set SECURE_PROXY_SSL_HEADER (e.g.
# "HTTP_X_FORWARDED_PROTO,https") only when the proxy always sets that header itself.
_HTTPS = env_bool("HOCBASO_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
if _HTTPS:
    # __Host- cookies: only over HTTPS, for this exact host, path / (no subdomain may set them).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Silenced with a reason (security.md G1): the HSTS preload list takes registrable domains
# only (e.g. the Sở's whole example.gov.vn), a decision for the domain's owner, not this app;
# set SECURE_HSTS_PRELOAD=1 once the owner has decided.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_header:
    if len(_proxy_header) != 2 or not _proxy_header[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be 'HTTP_<HEADER>,<value>', e.g. "
            "'HTTP_X_FORWARDED_PROTO,https'"
        )
    SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy and the other headers of hocbaso/config/security_headers.py;
# violation reports go to CSP_REPORT_URI when it is set.
CSP_REPORT_URI = env_str("CSP_REPORT_URI", "")
# Second factor (people/totp.py, people/second_factor.py). The DEMO waiver lets users who
# must have a second factor but have not enrolled one yet log in with the password alone; it
# exists for demo installations only and is refused with DEBUG off.
MFA_DEMO_WAIVER = env_bool("HOCBASO_DEMO_MFA_WAIVER", default=DEBUG)
if MFA_DEMO_WAIVER and not DEBUG:
    raise ImproperlyConfigured("HOCBASO_DEMO_MFA_WAIVER must not be on in production (DEBUG off)")
MFA_ISSUER = env_str("HOCBASO_MFA_ISSUER", "Học bạ số")
# Key encrypting the TOTP secrets at rest; kept apart from SECRET_KEY (which may rotate):
# changing it makes every enrolled user enrol again.
_DEV_MFA_KEY = "dev-only-mfa-key"  # noqa: S105 - refused below when DEBUG is off
MFA_SECRET_KEY = env_secret("HOCBASO_MFA_KEY", _DEV_MFA_KEY)
if not DEBUG and MFA_SECRET_KEY == _DEV_MFA_KEY:
    raise ImproperlyConfigured("HOCBASO_MFA_KEY must be set when DEBUG is off")
# Brute-force protection (people/login_throttle.py), within LOGIN_WINDOW_SECONDS: failures per
# (username, IP) pair before that pair is locked (LOGIN_LOCK_SECONDS, doubling), failures per
# username from any address before the username is locked for the window, distinct failing
# usernames per IP before that address is locked (far above a school's NAT).
LOGIN_PAIR_LIMIT = env_int("LOGIN_PAIR_LIMIT", 5)
LOGIN_USERNAME_LIMIT = env_int("LOGIN_USERNAME_LIMIT", 10)
LOGIN_IP_USERNAME_LIMIT = env_int("LOGIN_IP_USERNAME_LIMIT", 100)
LOGIN_WINDOW_SECONDS = env_int("LOGIN_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 60)

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

# Background tasks (batch signing): the database backend, so that workers on several machines
# share PostgreSQL (`manage.py db_worker`). Tests may switch to the immediate backend.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "signing"],
    }
}

# Signing (issue 5). Trust roots are PEM files; the DEMO CA made by `seed_demo` is trusted only
# in a demo installation (HOCBASO_DEMO_PKI, on by default only while DEBUG is on) and never in
# production: turning it on with DEBUG off is refused.
SIGNING_TRUST_ROOTS = env_list("HOCBASO_TRUST_ROOTS", [])
SIGNING_DEMO_PKI = env_bool("HOCBASO_DEMO_PKI", default=DEBUG)
if SIGNING_DEMO_PKI and not DEBUG:
    raise ImproperlyConfigured("HOCBASO_DEMO_PKI must not be on in production (DEBUG off)")
# RFC 3161 time-stamping authority: "" for none, "demo" for the local DEMO TSA of the demo PKI,
# or an https URL of a real TSA.
SIGNING_TSA = env_str("HOCBASO_TSA", "demo" if SIGNING_DEMO_PKI else "")
# Download the CRLs named in signers' certificates (CRL distribution points) for PAdES B-LTA
# and revocation checks (hocbaso/signing/revocation.py); off: a network call to the CAs.
SIGNING_REVOCATION_FETCH = env_bool("HOCBASO_REVOCATION_FETCH", default=False)
# PKCS#11 module of the signing tokens on the signing machine (Debian's SoftHSM2 in tests).
SIGNING_PKCS11_MODULE = env_str("HOCBASO_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
# The PIN of the demo staff's server-held DEMO keys (printed by `demo_logins`; demo only).
SIGNING_DEMO_PIN = "123456"

# The public address of this installation: the verification links in the records' QR codes.
HOCBASO_PUBLIC_URL = env_str("HOCBASO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Batch signing: a running batch without progress for this long is resumed by another worker
# (`manage.py resume_signing`); a remote signing service's approval is awaited for less.
SIGNING_BATCH_STALE_MINUTES = env_int("HOCBASO_SIGNING_BATCH_STALE_MINUTES", 5)
SIGNING_REMOTE_WAIT_SECONDS = env_int("HOCBASO_SIGNING_REMOTE_WAIT_SECONDS", 240)
# A batch of 20 pages or more is queued as this many tasks, so that workers share it.
SIGNING_WORKERS_PER_BATCH = env_int("HOCBASO_SIGNING_WORKERS_PER_BATCH", 2)
# Two-phase remote signing services by name (docs/remote-signing.md): {"name": {"url": …,
# "api_key": …}}, read as JSON from HOCBASO_REMOTE_SIGNING_SERVICES.
SIGNING_REMOTE_SERVICES = json.loads(env_str("HOCBASO_REMOTE_SIGNING_SERVICES", "{}"))

# Notifications (docs/notifications.md): the sender of each channel — "console" (the log,
# default), "email" (Django's mail), "sms_http" (an HTTP SMS gateway, eSMS.vn's contract),
# "zalo_zns" (Zalo ZNS) — as JSON in HOCBASO_NOTIFICATION_BACKENDS, e.g.
# {"email": "email", "sms": "sms_http", "zalo": "zalo_zns"}.
HOCBASO_NOTIFICATION_BACKENDS = {
    "email": "console",
    "sms": "console",
    "zalo": "console",
    **json.loads(env_str("HOCBASO_NOTIFICATION_BACKENDS", "{}")),
}
# "inline": send right after the action's commit; "task": a django-tasks worker sends.
HOCBASO_NOTIFICATION_DELIVERY = env_str("HOCBASO_NOTIFICATION_DELIVERY", "inline")
HOCBASO_NOTIFICATION_MAX_ATTEMPTS = env_int("HOCBASO_NOTIFICATION_MAX_ATTEMPTS", 5)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Học bạ số <hocbaso@localhost>")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
HOCBASO_SMS_GATEWAY = {
    "url": env_str(
        "HOCBASO_SMS_URL",
        "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/",
    ),
    "api_key": env_secret("HOCBASO_SMS_API_KEY"),
    "secret_key": env_secret("HOCBASO_SMS_SECRET_KEY"),
    "brandname": env_str("HOCBASO_SMS_BRANDNAME"),
    "sms_type": env_str("HOCBASO_SMS_TYPE", "2"),
    "unicode": env_bool("HOCBASO_SMS_UNICODE", default=True),
    "timeout": env_int("HOCBASO_SMS_TIMEOUT", 10),
}
HOCBASO_ZALO_ZNS = {
    "url": env_str("HOCBASO_ZALO_ZNS_URL", "https://business.openapi.zalo.me/message/template"),
    "access_token": env_secret("HOCBASO_ZALO_ACCESS_TOKEN"),
    "templates": json.loads(env_str("HOCBASO_ZALO_TEMPLATES", "{}")),
    "timeout": env_int("HOCBASO_ZALO_TIMEOUT", 10),
}
LOGGING["loggers"] = {
    "hocbaso.notifications": {"handlers": ["console"], "level": "INFO", "propagate": False}
}

# -- year-end archives (docs/archive.md): age public keys the archives are encrypted to; the
# identities (private keys) are kept offline, never on the servers.
HOCBASO_ARCHIVE_RECIPIENTS = env_list("HOCBASO_ARCHIVE_RECIPIENTS", [])
