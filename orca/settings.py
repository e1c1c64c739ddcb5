"""ORCA settings, read from the environment (see .env.example for every variable).

Development defaults work on a machine with local PostgreSQL and Redis. Production (DEBUG off)
refuses to start without a real SECRET_KEY.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# pytest sets PYTEST_VERSION itself, so the test run needs no secret of its own.
TESTING = "PYTEST_VERSION" in os.environ

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "orca.users",
    "persons",
    "extensions",
    "relationships",
    "interactions",
    "messaging",
    "pipelines",
    "agenda",
    "web",
    "orca",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files go out without a policy they have no use for.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orca.auth.HtmxLoginRequiredMiddleware",  # LoginRequiredMiddleware that also answers htmx
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orca.urls"
WSGI_APPLICATION = "orca.wsgi.application"
ASGI_APPLICATION = "orca.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orca"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out sign-in before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # Tests create many users; a deliberately slow hash only slows them (never used outside tests).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed sign-ins: lock the (email, address) pair for a while; the lockout expires by itself.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "orca.auth.axes_username"  # count failures per email, any case
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project's own files, and the front-end libraries npm installs from package-lock.json (each
# package's folder under its own prefix, never node_modules as a whole).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
]
# Under DEBUG and in tests, whitenoise serves from the app folders as files change, and needs no
# collectstatic'd STATIC_ROOT.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files attached to interactions: never served as static or media files, only through the
    # download view, which checks who asks.
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "attachments"},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL") or REDIS_URL,
        "KEY_PREFIX": "orca",
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Celery beat's schedule (in TIME_ZONE). Every task is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "churn-risk-nightly": {
        "task": "pipelines.tasks.churn_risk_refresh",
        "schedule": crontab(hour=int(os.environ.get("CHURN_JOB_HOUR", "3")), minute=15),
    },
    "morning-summaries": {
        "task": "agenda.tasks.morning_summaries_dispatch",
        "schedule": crontab(
            hour=int(os.environ.get("MORNING_SUMMARY_HOUR", "7")),
            minute=int(os.environ.get("MORNING_SUMMARY_MINUTE", "0")),
        ),
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ORCA <orca@localhost>")

# Phone numbers typed without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "US")

# The club: its name (on calendar invitations and, later, in messages), the weekdays it is closed
# every week (0 = Monday ... 6 = Sunday; holidays are ClubClosedDay rows in the admin), the length
# of a trial, and the reward a referrer earns when someone they referred joins (shared by the
# referrers by attribution).
CLUB_NAME = os.environ.get("CLUB_NAME", "ORCA Fitness")
CLUB_CLOSED_WEEKDAYS = frozenset(int(day) for day in env_list("CLUB_CLOSED_WEEKDAYS"))
TRIAL_DAYS = int(os.environ.get("TRIAL_DAYS", "7"))
REFERRAL_REWARD = Decimal(os.environ.get("REFERRAL_REWARD", "50.00"))
# The staff's working day, in TIME_ZONE: a follow-up snoozed "until tomorrow" comes back at its
# start; "later today" never lands after its end.
DAY_START_HOUR = int(os.environ.get("DAY_START_HOUR", "9"))
DAY_END_HOUR = int(os.environ.get("DAY_END_HOUR", "20"))
# Where the staff app is, for links in emails (the morning summary), which have no request to take
# a host from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Behind a TLS-terminating proxy (a load balancer, docker compose behind nginx): how many proxies
# add themselves to X-Forwarded-For. 0 means clients connect directly. Used to find the client's
# address for sign-in throttling (orca.auth.client_ip) and to trust X-Forwarded-Proto.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "orca.auth.client_ip"

# Production is HTTPS only: with DEBUG off, plain HTTP is redirected and browsers are told (HSTS)
# to use HTTPS for a year, so `manage.py check --deploy` has nothing to warn about. A plain-HTTP
# set-up (docker compose on localhost) turns all of it off: SECURE_SSL_REDIRECT=0,
# SECURE_HSTS_SECONDS=0 and SECURE_COOKIES=0. Behind a TLS-terminating proxy, set
# TRUSTED_PROXY_COUNT, or every request looks like plain HTTP and is redirected forever.
# Under pytest they stay off: the test client and the live server speak plain HTTP.
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response (django-csp): scripts, styles, images and requests
# from ORCA's own origin only (htmx and every library are served from static/), no inline script
# or style, no eval (so no hx-on attributes), no framing. A template that truly needs an inline
# <script> or <style> gives it nonce="{{ request.csp_nonce }}", which puts that response's nonce
# in the header; the header has none otherwise. Under DEBUG, django-csp leaves 404 and 500
# answers without the header, so Django's debug pages keep their inline styles and scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the small images Django admin's stylesheets embed.
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# ORCA's own loggers (and celery's) print to the console; Django keeps its default handlers, so
# runserver's request lines are not printed twice.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        app: {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False}
        for app in (
            "orca",
            "persons",
            "extensions",
            "relationships",
            "interactions",
            "messaging",
            "pipelines",
            "web",
        )
    },
}

SILENCED_SYSTEM_CHECKS = [
    # users.email is unique case-insensitively (constraint users_email_ci_unique on lower(email)),
    # which Django's check cannot see.
    "auth.W004",
    # "SECURE_HSTS_PRELOAD is not True": joining the browsers' preload list binds every subdomain
    # of the club's registrable domain to HTTPS for good, a choice for whoever owns that domain
    # (SECURE_HSTS_PRELOAD=1), not a default of one application on it.
    "security.W021",
]
