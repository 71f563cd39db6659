"""
Settings of the test host: a bare Django project that loads the plugin the way the LMS
does, from its installed ``lms.djangoapp`` entry point (never by listing the app).

The database is SQLite unless CREDENTIALS_PLUGIN_TEST_DB=mysql, which uses the MariaDB
server that ``.ci/run`` starts on 127.0.0.1.
"""

import os
from pathlib import Path

from edx_django_utils.plugins import add_plugins, get_plugin_apps

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LMS_ROOT_URL = "http://testserver"
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",  # as in the LMS (the LMS backend reads the current Site's programs)
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *get_plugin_apps("lms.djangoapp"),
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "demo.urls"
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

if os.environ.get("CREDENTIALS_PLUGIN_TEST_DB") == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("MYSQL_DATABASE", "credentials_plugin"),
            "USER": os.environ.get("MYSQL_USER", "credentials"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", "credentials"),
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"NAME": os.environ.get("MYSQL_TEST_DATABASE", "test_credentials_plugin")},
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / ".test-media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING_CONFIG = None
# Learner messages go nowhere outside a test (pytest-django swaps in its outbox during one): the
# processes the concurrency tests start send through this too, and no test reaches an SMTP server.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Verifiable credentials: a signing key made for the tests alone (the JSON-LD contexts are the
# package's own copies, read offline).
CREDENTIALS_PLUGIN_SIGNING_KEYS = [
    {"id": "test-key-1", "private_key": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"},
]

# What the LMS does: its common settings let each plugin add its own, then its test settings do.
add_plugins(__name__, "lms.djangoapp", "common")
add_plugins(__name__, "lms.djangoapp", "test")
