"""
The platform twin (tests/platform_twin/) for one test at a time, and helpers that write the LMS's rows.

``platform_twin`` puts the twin's folder on sys.path and its packages (``lms``, ``common``,
``openedx``, ``edx_name_affirmation``, ``config_models``) in sys.modules for the test, then takes
them off again: outside these tests edx-platform is not importable, as in a standalone install, so
``CREDENTIALS_PLUGIN_BACKEND = "auto"`` keeps choosing the standalone backend elsewhere. The modules
are imported once per process and kept aside between tests, so their models register once; their
tables are created once per test database, and each test's rows roll back with the test.
"""

import importlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

TWIN = Path(__file__).resolve().parent / "platform_twin"
PACKAGES = ("lms", "common", "openedx", "edx_name_affirmation", "config_models")
MODEL_MODULES = (
    "common.djangoapps.student.models",
    "lms.djangoapps.grades.models",
    "lms.djangoapps.verify_student.models",
    "lms.djangoapps.certificates.models",
    "lms.djangoapps.bulk_email.models",
    "openedx.core.djangoapps.user_api.models",
    "openedx.core.djangoapps.content.course_overviews.models",
    "openedx.core.djangoapps.catalog.models",
    "openedx.core.djangoapps.site_configuration.models",
    "edx_name_affirmation.models",
)
OTHER_MODULES = (
    "lms.djangoapps.grades.api",
    "lms.djangoapps.verify_student.services",
    "lms.djangoapps.certificates.utils",
    "lms.djangoapps.certificates.api",
    "lms.djangoapps.certificates.generation_handler",
    "lms.djangoapps.certificates.views.webview",
    "lms.djangoapps.mobile_api.users.serializers",
    "common.djangoapps.student.models_api",
    "common.djangoapps.student.roles",
    "openedx.core.djangoapps.catalog.utils",
    "openedx.core.djangoapps.user_api.accounts.signals",
    "openedx.features.name_affirmation_api.utils",
    "edx_name_affirmation.api",
    "edx_name_affirmation.services",
)

_kept = {}  # the twin's modules between tests (imported once per process)


def _is_twin(name):
    return name.split(".")[0] in PACKAGES


def _install():
    sys.path.insert(0, str(TWIN))
    importlib.invalidate_caches()
    sys.modules.update(_kept)
    for name in MODEL_MODULES + OTHER_MODULES:
        importlib.import_module(name)


def _uninstall():
    for name in [name for name in sys.modules if _is_twin(name)]:
        _kept[name] = sys.modules.pop(name)
    sys.path.remove(str(TWIN))
    importlib.invalidate_caches()


@pytest.fixture(scope="session")
def _platform_twin_tables(django_db_setup, django_db_blocker):
    """The twin's tables, once per test database (outside any transaction, as DDL on SQLite needs)."""
    from django.apps import apps

    _install()
    try:
        labels = (
            "student",
            "grades",
            "verify_student",
            "certificates",
            "course_overviews",
            "catalog",
            "site_configuration",
            "bulk_email",
            "user_api",
        )
        models = [model for label in (*labels, "edx_name_affirmation") for model in apps.all_models[label].values()]
        with django_db_blocker.unblock(), connection.schema_editor() as editor:
            existing = set(connection.introspection.table_names())
            for model in models:
                if model._meta.db_table not in existing:
                    editor.create_model(model)
    finally:
        _uninstall()


@pytest.fixture
def platform_twin(_platform_twin_tables, db):
    """The LMS's modules importable for this test (the twin); yields the helpers module."""
    _install()
    cache.clear()
    sys.modules["config_models.models"].CACHE.clear()
    try:
        yield sys.modules[__name__]
    finally:
        sys.modules["config_models.models"].CACHE.clear()
        _uninstall()
        cache.clear()


# ---------------------------------------------------------------------------
# The LMS's rows, written as the platform writes them
# ---------------------------------------------------------------------------


def course(course_key, *, display_name="Certificates 101", display_organization=None, **fields):
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    return CourseOverview.objects.create(
        id=course_key,
        org=course_key.org,
        display_name=display_name,
        display_organization=display_organization,
        **fields,
    )


def enroll(user, course_key, *, mode="verified", is_active=True):
    from common.djangoapps.student.models import CourseEnrollment

    enrollment, _ = CourseEnrollment.objects.update_or_create(
        user=user, course_id=course_key, defaults={"mode": mode, "is_active": is_active}
    )
    return enrollment


def opt_out(user, course_key):
    """The learner opts out of the course's emails (``bulk_email.Optout``, as its opt-out view saves it)."""
    from lms.djangoapps.bulk_email.models import Optout

    return Optout.objects.get_or_create(user=user, course_id=course_key)[0]


def prefer_language(user, language):
    """The learner's language preference (``pref-lang``), as the account settings save it."""
    from openedx.core.djangoapps.user_api.models import UserPreference

    return UserPreference.objects.update_or_create(user=user, key="pref-lang", defaults={"value": language})[0]


def profile(user, name):
    from common.djangoapps.student.models import UserProfile

    return UserProfile.objects.update_or_create(user=user, defaults={"name": name})[0]


def grade(user, course_key, *, percent, letter, passed=None):
    """What ``CourseGradeFactory._update`` persists: PASSED defaults to "has a letter", as the grader says."""
    from lms.djangoapps.grades.models import PersistentCourseGrade

    return PersistentCourseGrade.update_or_create(
        user_id=user.id,
        course_id=course_key,
        percent_grade=percent,
        letter_grade=letter,
        passed=bool(letter) if passed is None else passed,
        grading_policy_hash="hash",
    )


def verified_name(user, name, *, status="approved", created=None):
    from edx_name_affirmation.models import VerifiedName

    fields = {"created": created} if created else {}
    return VerifiedName.objects.create(user=user, verified_name=name, profile_name=name, status=status, **fields)


def use_verified_name_for_certs(user, value=True):
    from edx_name_affirmation.api import create_verified_name_config

    create_verified_name_config(user, use_verified_name_for_certs=value)


def grant(user, role, *, course_key=None, org=None):
    """A CourseAccessRole: in a course run, or over an organization when COURSE_KEY is None."""
    from common.djangoapps.student.models import CourseAccessRole

    org = org if org is not None else course_key.org
    return CourseAccessRole.objects.create(user=user, role=role, org=org, course_id=course_key)


def verify_identity(user, *, status="approved", expires_in_days=365, kind="SoftwareSecurePhotoVerification"):
    from lms.djangoapps.verify_student import models

    expiration = datetime.now(UTC) + timedelta(days=expires_in_days)
    return getattr(models, kind).objects.create(user=user, status=status, expiration_date=expiration)


def enable_catalog(enabled=True):
    from openedx.core.djangoapps.catalog.models import CatalogIntegration

    CatalogIntegration.objects.create(enabled=enabled)


def cache_programs(site, programs, *, catalog_url="https://catalog.example.com/api/v1/"):
    """What the LMS's ``cache_programs`` command leaves: the site's program uuids, and each program."""
    from openedx.core.djangoapps.catalog.cache import PROGRAM_CACHE_KEY_TPL, SITE_PROGRAM_UUIDS_CACHE_KEY_TPL
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration

    SiteConfiguration.objects.update_or_create(
        site=site, defaults={"enabled": True, "site_values": {"COURSE_CATALOG_API_URL": catalog_url}}
    )
    cache.set(SITE_PROGRAM_UUIDS_CACHE_KEY_TPL.format(domain=site.domain), [program["uuid"] for program in programs])
    for program in programs:
        cache.set(PROGRAM_CACHE_KEY_TPL.format(uuid=program["uuid"]), program)


def lms_certificate(user, course_key, *, status="downloadable", mode="verified", grade="0.85", name=None, **fields):
    """
    A GeneratedCertificate row as the LMS left it (written with bulk_create, as rows that already
    stand: no save(), so no event). A downloadable row has a verify_uuid.
    """
    import uuid

    from lms.djangoapps.certificates.models import GeneratedCertificate

    fields.setdefault("verify_uuid", uuid.uuid4().hex)
    created_date = fields.pop("created_date", None)
    row = GeneratedCertificate(
        user=user, course_id=course_key, status=status, mode=mode, grade=grade, name=name or user.username, **fields
    )
    GeneratedCertificate.objects.bulk_create([row])
    rows = GeneratedCertificate.objects.filter(user=user, course_id=course_key)
    if created_date is not None:  # auto_now_add: set it afterwards, as years-old rows have it
        rows.update(created_date=created_date)
    return rows.get()


def lms_invalidation(certificate, staff, *, notes="", active=True):
    """A CertificateInvalidation of CERTIFICATE by STAFF, and the row marked unavailable as the LMS does."""
    from lms.djangoapps.certificates.models import CertificateInvalidation, GeneratedCertificate

    GeneratedCertificate.objects.filter(pk=certificate.pk).update(status="unavailable", grade="")
    return CertificateInvalidation.objects.create(
        generated_certificate=certificate, invalidated_by=staff, notes=notes, active=active
    )


def lms_allowlist(user, course_key, *, notes="", allowlist=True):
    from lms.djangoapps.certificates.models import CertificateAllowlist

    return CertificateAllowlist.objects.create(user=user, course_id=course_key, notes=notes, allowlist=allowlist)
