"""
The demo host inside a stand-in LMS: the platform twin (tests/platform_twin/, the tests' copy of
the parts of edx-platform the plugin reads) is importable, the plugin uses its LMS backend, and the
LMS's own certificates app holds certificates (``manage.py seed_lms_twin``) for the takeover guide
(docs/takeover.md) to be tried on. Its data lives in ``demo/lms-twin.sqlite3``.

    DJANGO_SETTINGS_MODULE=demo.settings_lms_twin
"""

import os
import sys

from demo.settings import *  # noqa: F403 (the demo host's settings, changed below)
from demo.settings import BASE_DIR

TWIN = BASE_DIR.parent / "tests" / "platform_twin"
if str(TWIN) not in sys.path:
    sys.path.append(str(TWIN))

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "lms-twin.sqlite3"}}
ROOT_URLCONF = "demo.urls_lms_twin"
LMS_ROOT_URL = os.environ.get("DEMO_LMS_ROOT_URL", "http://127.0.0.1:8001")
CREDENTIALS_PLUGIN_BACKEND = "credentials_plugin.backends.lms.EdxPlatformBackend"
# The guide's step 4 (own the courses): DEMO_TAKEOVER_COURSES="*" or a comma-separated list of course keys.
CREDENTIALS_PLUGIN_TAKEOVER_COURSES = [key for key in os.environ.get("DEMO_TAKEOVER_COURSES", "").split(",") if key]
# The guide's step 3 (the filter steps), on when DEMO_FILTER_STEPS=1.
if os.environ.get("DEMO_FILTER_STEPS") == "1":
    OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.certificate.render.started.v1": {
            "fail_silently": False,
            "pipeline": ["credentials_plugin.pipeline.RedirectLmsCertificatePage"],
        },
        "org.openedx.learning.certificate.creation.requested.v1": {
            "fail_silently": False,
            "pipeline": ["credentials_plugin.pipeline.PreventBuiltInCertificates"],
        },
    }
