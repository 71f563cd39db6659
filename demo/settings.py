"""
Settings of the demo host: a small Django project standing in for the LMS.

It loads the plugin the way the LMS does, from its installed ``lms.djangoapp`` entry
point (never by listing the app), and keeps its data in ``demo/db.sqlite3``.
Run it with ``make demo``; it serves on http://127.0.0.1:8000 only.
"""

from pathlib import Path

from edx_django_utils.plugins import add_plugins, get_plugin_apps

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "demo-only-secret-key-never-use-in-production"  # noqa: S105
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
LMS_ROOT_URL = "http://127.0.0.1:8000"
PLATFORM_NAME = "Demo LMS"  # the LMS setting the plugin's pages name the site by

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "demo",
    *get_plugin_apps("lms.djangoapp"),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "demo.urls"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/credentials/records/"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
# Uploaded branding (logos, seals, signatures): seed_demo draws the demo's own; runserver serves them.
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# The LMS's data (enrollments, grades, names, roles) reaches the plugin only through the
# openedx-events that seed_demo sends; the standalone backend keeps what they report.
CREDENTIALS_PLUGIN_BACKEND = "credentials_plugin.backends.standalone.StandaloneBackend"

# Verifiable credentials: the demo's signing key lives in a file beside its database (run.sh
# creates it once with `signing_keys create`); the JSON-LD contexts are the package's own copies.
CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = str(BASE_DIR / "signing-keys.json")

# Quiet logs: the plugin's INFO lines, but not its "unchanged" decisions (seeding makes dozens:
# every grade event re-checks a learner) nor the notice that edx-platform is absent (it always is
# here; run.sh says so once).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"changes_only": {"()": "demo.log_filters.ChangesOnly"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["changes_only"]}},
    "loggers": {
        "credentials_plugin": {"handlers": ["console"], "level": "INFO"},
        "credentials_plugin.backends.lms": {"level": "WARNING"},
    },
}

# What the LMS does: let each plugin add its own settings.
add_plugins(__name__, "lms.djangoapp", "common")

# Learner messages are written as files to demo/emails/ (one per message: open them to see what a
# learner receives), which keeps the demo's log quiet; engagement counters live in a cache every demo
# process shares, so `manage.py flush_engagement_counts` sees the server's counts.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "emails"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": BASE_DIR / "cache"}}
