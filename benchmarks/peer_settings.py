"""
Settings of ``benchmarks/peer.py``: the test host (``test_settings``) and the peer plugin,
``learning-credentials``, in one Django project, run in ``.venv-peer`` only.

``test_settings`` cannot be imported there: it lets every installed ``lms.djangoapp`` plugin add
its settings, and the peer's dependencies bring plugins whose settings need edx-platform's
(event-routing-backends reads the LMS's ``EVENT_TRACKING_BACKENDS``). So the apps are listed
here: the test host's (Django's, ours, edx-toggles) plus the peer and the two apps it imports,
``django_celery_beat`` (its configurations own a ``PeriodicTask``) and ``learning_paths`` (its
``compat`` module imports ``LearningPath``). Our plugin's settings hooks are applied as
``add_plugins`` would; the peer's only one adds ``django_celery_beat``, listed here already.
"""

import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "benchmark-only-secret-key"  # noqa: S105
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
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "credentials_plugin.apps.CredentialsPluginConfig",
    "edx_toggles.apps.TogglesConfig",
    # The peer, and what its models and compat module import.
    "django_celery_beat",
    "learning_paths.apps.LearningPathsConfig",
    "learning_credentials.apps.LearningCredentialsConfig",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "benchmarks.peer_urls"
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
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}  # peer.py sets the file
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / ".test-media"  # peer.py points it at the run's scratch folder
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING_CONFIG = None
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CREDENTIALS_PLUGIN_SIGNING_KEYS = [
    {"id": "test-key-1", "private_key": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"},
]

# The peer's settings. TESTING: its compat.get_celery_app() returns an eager Celery app instead
# of importing the LMS's (``from lms import CELERY_APP``); only its tasks module (imported when a
# configuration is saved, at setup) asks for one. CERTIFICATE_DATE_FORMAT and PLATFORM_NAME are
# the LMS's (lms/envs/common.py: "%B %-d, %Y").
TESTING = True
CERTIFICATE_DATE_FORMAT = "%B %-d, %Y"
PLATFORM_NAME = "Benchmark LMS"

# What add_plugins(__name__, "lms.djangoapp", "common" then "test") does for our plugin.
from credentials_plugin.settings import common as plugin_common_settings  # noqa: E402
from credentials_plugin.settings import test as plugin_test_settings  # noqa: E402

plugin_common_settings.plugin_settings(sys.modules[__name__])
plugin_test_settings.plugin_settings(sys.modules[__name__])
