"""
The backend that keeps what it needs from openedx-events in the plugin's own tables.

It serves the tests, the demo, and running outside the LMS. The facts are written
by ``credentials_plugin.backends.event_facts`` from the events' data.
"""

from django.contrib.auth import get_user_model

from credentials_plugin.backends.base import Backend, CourseInfo, Enrollment, Grade, MessagePreferences
from credentials_plugin.models import CourseFacts, CourseRoleFacts, LearnerCourseFacts, LearnerFacts


class StandaloneBackend(Backend):
    """Answers from the facts the events reported."""

    keeps_facts_locally = True

    def get_enrollment(self, user_id, course_key):
        row = (
            LearnerCourseFacts.objects.filter(user_id=user_id, course_key=course_key, enrollment_as_of__isnull=False)
            .values("enrollment_mode", "enrollment_active")
            .first()
        )
        if row is None:
            return None
        return Enrollment(mode=row["enrollment_mode"], is_active=bool(row["enrollment_active"]))

    def get_course(self, course_key):
        return self.get_courses([course_key]).get(course_key)

    def get_courses(self, course_keys):
        """The runs' catalog facts as events reported them (they carry no description or effort)."""
        return {
            facts.course_key: CourseInfo(
                course_key=facts.course_key,
                name=facts.name,
                org=facts.org or facts.course_key.org,
                start=facts.start,
                end=facts.end,
                pacing=facts.pacing,
            )
            for facts in CourseFacts.objects.filter(course_key__in=list(course_keys))
        }

    def certificate_name(self, user_id, *, reported_name=""):
        """The name the event reported, else the verified or full name kept from earlier events."""
        if reported_name:
            return reported_name
        facts = LearnerFacts.objects.filter(user_id=user_id).first()
        return (facts.verified_name or facts.full_name) if facts else ""

    def certificate_names(self, user_ids):
        rows = LearnerFacts.objects.filter(user_id__in=user_ids).values_list("user_id", "verified_name", "full_name")
        return {user_id: verified or full for user_id, verified, full in rows if verified or full}

    def current_grades(self, course_key, user_ids):
        rows = LearnerCourseFacts.objects.filter(course_key=course_key, user_id__in=user_ids)
        return {
            row.user_id: Grade(percent=row.percent_grade, letter=row.letter_grade, passed=bool(row.is_passing))
            for row in rows
            if row.is_passing is not None or row.percent_grade is not None
        }

    def is_id_verified(self, user_id):
        return LearnerFacts.objects.filter(user_id=user_id, id_verified=True).exists()

    def get_course_roles(self, user, course_key):
        if not getattr(user, "is_authenticated", False):
            return set()
        return set(CourseRoleFacts.objects.filter(user=user, course_key=course_key).values_list("role", flat=True))

    def is_global_staff(self, user):
        return bool(getattr(user, "is_authenticated", False) and user.is_staff)

    def get_current_grade(self, user_id, course_key):
        facts = LearnerCourseFacts.objects.filter(user_id=user_id, course_key=course_key).first()
        if facts is None or (facts.is_passing is None and facts.percent_grade is None):
            return None
        return Grade(percent=facts.percent_grade, letter=facts.letter_grade, passed=bool(facts.is_passing))

    def enrolled_among(self, course_key, user_ids):
        rows = LearnerCourseFacts.objects.filter(course_key=course_key, enrollment_active=True, user_id__in=user_ids)
        return set(rows.values_list("user_id", flat=True))

    def program_definitions(self):
        """No course catalog: programs are defined in the plugin's own tables only."""
        return None

    def enrolled_user_ids(self, course_key, *, after, limit):
        rows = LearnerCourseFacts.objects.filter(course_key=course_key, enrollment_active=True, user_id__gt=after)
        return list(rows.order_by("user_id").values_list("user_id", flat=True)[:limit])

    def message_preferences(self, user_id, course_key):
        """The account's address; language and opt-out as the operator mirrored them in the learner's facts."""
        user = get_user_model().objects.filter(pk=user_id, is_active=True).values("email").first()
        if user is None:
            return None
        facts = LearnerFacts.objects.filter(user_id=user_id).values("language", "email_opted_out").first() or {}
        return MessagePreferences(
            email=user["email"] or "",
            language=facts.get("language", ""),
            opted_out=bool(facts.get("email_opted_out", False)),
        )
