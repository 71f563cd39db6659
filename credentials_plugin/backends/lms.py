"""
The edx-platform backend: the ONLY module that imports edx-platform.

Every import happens inside a function, so this module loads anywhere; outside the
LMS each call fails closed (no enrollment, no roles, no grade) and logs why. A learner the LMS
does not know fails closed the same way.

Each answer is the one the LMS itself gives (tests/platform_twin/ mirrors the platform code read):
the name is ``get_preferred_certificate_name``'s, a course grade that is no grade (the
ZeroCourseGrade of a learner who attempted nothing) is None, "passing" is the stored grade's
letter (as ``CourseGradeFactory`` reads it), and organization-wide staff and instructors hold the
course roles ``has_access`` gives them.
"""

import importlib.util
import logging
from functools import wraps

from credentials_plugin.backends.base import (
    COURSE_INSTRUCTOR_ROLE,
    COURSE_STAFF_ROLE,
    Backend,
    CourseInfo,
    Enrollment,
    Grade,
    LmsAllowlistEntry,
    LmsCertificate,
    LmsCourseSettings,
    MessagePreferences,
    as_grade_fraction,
)

log = logging.getLogger(__name__)


def is_importable():
    """True inside an LMS process (edx-platform's grades app can be imported)."""
    try:
        return importlib.util.find_spec("lms.djangoapps.grades") is not None
    except ModuleNotFoundError:
        return False


def fail_closed(default):
    """Return DEFAULT (deny) when edx-platform cannot be imported, or when the LMS has no such user."""

    def decorator(method):
        @wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except ImportError:
                log.error("edx-platform is not importable; %s denies access.", method.__name__)
            except UnknownUser as unknown:
                log.warning("The LMS has no user %s (retired or deleted); %s denies access.", unknown, method.__name__)
            return default() if callable(default) else default

        return wrapper

    return decorator


class UnknownUser(LookupError):
    """The LMS has no user with this id: the method asking fails closed."""


def _get_user(user_id):
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    try:
        return user_model.objects.get(pk=user_id)
    except user_model.DoesNotExist:
        raise UnknownUser(user_id) from None


class EdxPlatformBackend(Backend):
    """Reads the LMS's own models and services."""

    has_lms_certificates = True

    @fail_closed(None)
    def get_enrollment(self, user_id, course_key):
        from common.djangoapps.student.models import CourseEnrollment

        row = CourseEnrollment.objects.filter(user_id=user_id, course_id=course_key).values("mode", "is_active").first()
        return Enrollment(mode=row["mode"], is_active=row["is_active"]) if row else None

    @fail_closed(None)
    def message_preferences(self, user_id, course_key):
        """
        What the LMS honours for its own course emails: the "pref-lang" preference
        (``UserPreference.get_value``, openedx/core/djangoapps/user_api/models.py; the key is
        ``LANGUAGE_KEY`` of openedx/core/djangoapps/lang_pref/__init__.py) and the course's
        ``Optout`` row (lms/djangoapps/bulk_email/models.py; ``force_optout_all`` in its signals.py
        writes one for every enrolled course when a learner leaves all mailings). A message about a
        program (no course) is refused when the learner opted out of every course email.
        """
        from lms.djangoapps.bulk_email.models import Optout
        from openedx.core.djangoapps.user_api.models import UserPreference

        user = _get_user(user_id)
        if not user.is_active:
            return None
        opted_out = Optout.objects.filter(user_id=user_id)
        if course_key is not None:
            opted_out = opted_out.filter(course_id=course_key).exists()
        else:
            from common.djangoapps.student.models import CourseEnrollment

            enrolled = CourseEnrollment.objects.filter(user_id=user_id).count()
            opted_out = enrolled > 0 and opted_out.count() >= enrolled
        language = UserPreference.get_value(user, "pref-lang") or ""
        return MessagePreferences(email=user.email or "", language=language, opted_out=opted_out)

    @fail_closed(None)
    def get_course(self, course_key):
        return self.get_courses([course_key]).get(course_key)

    @fail_closed(dict)
    def get_courses(self, course_keys):
        from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

        return {
            overview.id: CourseInfo(
                course_key=overview.id,
                name=overview.display_name_with_default,
                org=overview.display_org_with_default,
                start=overview.start,
                end=overview.end,
                pacing="self" if overview.self_paced else "instructor",
                # The course's About page fields, which CourseOverview keeps ("Catalog information").
                short_description=overview.short_description or "",
                effort=overview.effort or "",
            )
            for overview in CourseOverview.objects.filter(id__in=list(course_keys))
        }

    @fail_closed("")
    def certificate_name(self, user_id, *, reported_name=""):
        """The LMS's own choice (the verified name only when the learner opted in), else REPORTED_NAME."""
        from lms.djangoapps.certificates.utils import get_preferred_certificate_name

        return get_preferred_certificate_name(_get_user(user_id)) or reported_name

    @fail_closed(dict)
    def certificate_names(self, user_ids):
        """``get_preferred_certificate_name`` for many learners, in three queries whatever their number."""
        from common.djangoapps.student.models import UserProfile
        from openedx.features.name_affirmation_api.utils import is_name_affirmation_installed

        names = dict(UserProfile.objects.filter(user_id__in=user_ids).exclude(name="").values_list("user_id", "name"))
        if not is_name_affirmation_installed():
            return names
        from edx_name_affirmation.models import VerifiedName, VerifiedNameConfig

        # VerifiedNameConfig.current(user): each learner's newest row says whether they opted in (none: no).
        configs = VerifiedNameConfig.objects.filter(user_id__in=user_ids).order_by("change_date", "id")
        opted_in = dict(configs.values_list("user_id", "use_verified_name_for_certs"))
        chosen = [user_id for user_id, use_it in opted_in.items() if use_it]
        # get_verified_name(user, is_verified=True): the newest approved one (by created).
        approved = VerifiedName.objects.filter(user_id__in=chosen, status="approved").order_by("created", "id")
        names.update(approved.values_list("user_id", "verified_name"))
        return names

    @fail_closed(dict)
    def current_grades(self, course_key, user_ids):
        """
        The stored grades, read as ``CourseGradeFactory._read`` reads one: passing now means having a
        letter grade (below every cutoff the letter is blank). ``passed_timestamp`` is when the
        learner FIRST passed and is never cleared, so it cannot say whether they pass now.
        """
        from lms.djangoapps.grades.models import PersistentCourseGrade

        rows = PersistentCourseGrade.objects.filter(course_id=course_key, user_id__in=user_ids)
        return {
            user_id: Grade(percent=as_grade_fraction(percent), letter=letter or "", passed=letter != "")
            for user_id, percent, letter in rows.values_list("user_id", "percent_grade", "letter_grade")
        }

    @fail_closed(False)
    def is_id_verified(self, user_id):
        from lms.djangoapps.verify_student.services import IDVerificationService

        return bool(IDVerificationService.user_is_verified(_get_user(user_id)))

    @fail_closed(set)
    def get_course_roles(self, user, course_key):
        """
        The course's roles as the LMS's ``has_access`` counts them (courseware/access.py,
        ``administrative_accesses_to_course_for_user``): the course run's role, or the same role
        over the course's whole organization (OrgStaffRole, OrgInstructorRole).
        """
        from common.djangoapps.student.roles import (
            CourseInstructorRole,
            CourseStaffRole,
            OrgInstructorRole,
            OrgStaffRole,
        )

        if not getattr(user, "is_authenticated", False):
            return set()
        roles = set()
        if CourseStaffRole(course_key).has_user(user) or OrgStaffRole(course_key.org).has_user(user):
            roles.add(COURSE_STAFF_ROLE)
        if CourseInstructorRole(course_key).has_user(user) or OrgInstructorRole(course_key.org).has_user(user):
            roles.add(COURSE_INSTRUCTOR_ROLE)
        return roles

    @fail_closed(False)
    def is_global_staff(self, user):
        from common.djangoapps.student.roles import GlobalStaff

        return bool(getattr(user, "is_authenticated", False) and GlobalStaff().has_user(user))

    @fail_closed(None)
    def get_current_grade(self, user_id, course_key):
        from lms.djangoapps.grades.api import CourseGradeFactory

        # Never compute (and save, and announce) a grade just to read it.
        course_grade = CourseGradeFactory().read(_get_user(user_id), course_key=course_key, create_if_needed=False)
        # No stored grade reads as a ZeroCourseGrade (attempted False), or None before Olive: no grade,
        # never a failing 0%.
        if course_grade is None or not course_grade.attempted:
            return None
        return Grade(
            percent=as_grade_fraction(course_grade.percent),
            letter=course_grade.letter_grade or "",
            passed=bool(course_grade.passed),
        )

    @fail_closed(set)
    def enrolled_among(self, course_key, user_ids):
        from common.djangoapps.student.models import CourseEnrollment

        rows = CourseEnrollment.objects.filter(course_id=course_key, is_active=True, user_id__in=user_ids)
        return set(rows.values_list("user_id", flat=True))

    @fail_closed(list)
    def enrolled_user_ids(self, course_key, *, after, limit):
        from common.djangoapps.student.models import CourseEnrollment

        rows = CourseEnrollment.objects.filter(course_id=course_key, is_active=True, user_id__gt=after)
        return list(rows.order_by("user_id").values_list("user_id", flat=True)[:limit])

    # -- The LMS's certificates app (the takeover) -----------------------------------------------

    @fail_closed(list)
    def lms_certificates(self, *, course_key=None, after=0, limit):
        """
        GeneratedCertificate rows by id (``objects``: audit rows too, the import decides), each with
        its active CertificateInvalidation and its CertificateDateOverride: three queries a page.
        """
        from lms.djangoapps.certificates.models import (
            CertificateDateOverride,
            CertificateInvalidation,
            GeneratedCertificate,
        )

        rows = GeneratedCertificate.objects.filter(id__gt=after)
        if course_key is not None:
            rows = rows.filter(course_id=course_key)
        rows = list(rows.order_by("id")[:limit])
        ids = [row.id for row in rows]
        invalidations = {}
        for invalidation in CertificateInvalidation.objects.filter(generated_certificate_id__in=ids, active=True):
            invalidations[invalidation.generated_certificate_id] = invalidation
        overrides = dict(
            CertificateDateOverride.objects.filter(generated_certificate_id__in=ids).values_list(
                "generated_certificate_id", "date"
            )
        )
        answer = []
        for row in rows:
            invalidation = invalidations.get(row.id)
            answer.append(
                LmsCertificate(
                    lms_id=row.id,
                    user_id=row.user_id,
                    course_key=row.course_id,
                    status=row.status,
                    mode=row.mode,
                    grade=row.grade,
                    name=row.name,
                    verify_uuid=row.verify_uuid,
                    created=row.created_date,
                    modified=row.modified_date,
                    invalidated=invalidation is not None,
                    invalidation_notes=(invalidation.notes or "") if invalidation else "",
                    invalidated_by_id=invalidation.invalidated_by_id if invalidation else None,
                    invalidated_at=invalidation.created if invalidation else None,
                    date_override=overrides.get(row.id),
                )
            )
        return answer

    @fail_closed(list)
    def lms_allowlist(self, *, course_key=None, after=0, limit):
        from lms.djangoapps.certificates.models import CertificateAllowlist

        rows = CertificateAllowlist.objects.filter(id__gt=after, allowlist=True)
        if course_key is not None:
            rows = rows.filter(course_id=course_key)
        return [
            LmsAllowlistEntry(lms_id=row.id, user_id=row.user_id, course_key=row.course_id, notes=row.notes or "")
            for row in rows.order_by("id")[:limit]
        ]

    @fail_closed(None)
    def lms_course_settings(self, course_key):
        from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

        overview = CourseOverview.objects.filter(id=course_key).first()
        if overview is None:
            return None
        return LmsCourseSettings(
            html_certificates_enabled=bool(overview.cert_html_view_enabled),
            display_behavior=overview.certificates_display_behavior or "",
            available_date=overview.certificate_available_date,
            self_paced=bool(overview.self_paced),
        )

    @fail_closed(dict)
    def lms_certificate_counts(self, *, course_key=None):
        from django.db.models import Count
        from lms.djangoapps.certificates.models import GeneratedCertificate

        rows = GeneratedCertificate.objects.all()
        if course_key is not None:
            rows = rows.filter(course_id=course_key)
        counted = rows.values("course_id", "status").annotate(count=Count("id")).order_by("course_id", "status")
        return {(str(row["course_id"]), row["status"]): row["count"] for row in counted}

    @fail_closed(dict)
    def lms_rows_not_linking_to(self, url_prefix, *, course_keys):
        from django.db.models import Count
        from lms.djangoapps.certificates.models import GeneratedCertificate

        rows = GeneratedCertificate.objects.filter(course_id__in=list(course_keys), status="downloadable").exclude(
            download_url__startswith=url_prefix
        )
        counted = rows.values("course_id").annotate(count=Count("id")).order_by("course_id")
        return {str(row["course_id"]): row["count"] for row in counted}

    @fail_closed(False)
    def mirror_certificate(self, *, user_id, course_key, status, mode, grade, name, verify_uuid, download_url):
        """
        The learner's GeneratedCertificate, written with a queryset update (or bulk_create for a new
        row): ``save()`` would send the platform's CERTIFICATE_* events and COURSE_CERT_* signals,
        and the plugin has announced the change already.
        """
        from lms.djangoapps.certificates.models import GeneratedCertificate

        values = {
            "status": status,
            "mode": mode[:32],
            "grade": grade[:5],
            "name": name,
            "verify_uuid": verify_uuid,
            "download_url": download_url,
        }
        rows = GeneratedCertificate.objects.filter(user_id=user_id, course_id=course_key)
        if not rows.update(**values):
            GeneratedCertificate.objects.bulk_create(
                [GeneratedCertificate(user_id=user_id, course_id=course_key, **values)], ignore_conflicts=True
            )
            rows.update(**values)
        return True

    @fail_closed(None)
    def program_definitions(self):
        """The programs of the catalog's cache for the current site (the LMS's cache_programs fills it)."""
        from django.contrib.sites.models import Site
        from openedx.core.djangoapps.catalog.models import CatalogIntegration
        from openedx.core.djangoapps.catalog.utils import get_programs

        if not CatalogIntegration.current().is_enabled():
            return None
        try:
            programs = get_programs(site=Site.objects.get_current())
        except Exception:  # the catalog helpers change between releases: report, never crash the caller
            log.exception("credentials_plugin could not read programs from the LMS's course catalog.")
            return None
        return list(programs or [])


def connect_retirement_signals(receiver):
    """
    Connect RECEIVER(sender, user, **kwargs) to the LMS's account-retirement signals; False outside the LMS.

    USER_RETIRE_LMS_MISC comes first in the retirement pipeline, while the learner's username and
    email are still theirs; USER_RETIRE_LMS_CRITICAL follows (the receiver must be idempotent).
    openedx-events has no retirement event, so these Django signals are the LMS's only notice.
    """
    try:
        from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_CRITICAL, USER_RETIRE_LMS_MISC
    except ImportError:
        log.info("edx-platform is not importable; retire learners with `manage.py retire_learner`.")
        return False
    for name, signal in (("misc", USER_RETIRE_LMS_MISC), ("critical", USER_RETIRE_LMS_CRITICAL)):
        signal.connect(receiver, dispatch_uid=f"credentials_plugin.integrations.retirement.{name}")
    return True
