"""
Keeping the facts that openedx-events report and no certificate depends on at once:
course catalog data, course roles and learner identity (the standalone backend reads them).
"""

from django.contrib.auth import get_user_model

from credentials_plugin.core.retry import in_transaction
from credentials_plugin.models import CourseFacts, CourseRoleFacts, LearnerFacts


def record_course_catalog(course_key, *, name, org, start=None, end=None, pacing="", as_of=None):
    """Keep a course's catalog data, unless a later report is already kept."""

    def work():
        facts, _ = CourseFacts.objects.select_for_update().get_or_create(course_key=course_key)
        if as_of is not None and facts.as_of is not None and as_of <= facts.as_of:
            return False
        facts.name, facts.org, facts.start, facts.end, facts.pacing, facts.as_of = name, org, start, end, pacing, as_of
        facts.save()
        return True

    return in_transaction(work)


def record_course_role(user_id, course_key, role, *, granted):
    """Keep (or drop) a course access role. Unknown users are ignored and reported as False."""
    if not get_user_model().objects.filter(pk=user_id).exists():
        return False
    if granted:
        CourseRoleFacts.objects.get_or_create(user_id=user_id, course_key=course_key, role=role)
    else:
        CourseRoleFacts.objects.filter(user_id=user_id, course_key=course_key, role=role).delete()
    return True


def record_identity(user_id, *, full_name=None, verified_name=None, id_verified=None, verified_until=None, as_of=None):
    """Keep what we learned of a learner's names and ID verification; None leaves a field as it is."""
    if not get_user_model().objects.filter(pk=user_id).exists():
        return False

    def work():
        facts, _ = LearnerFacts.objects.select_for_update().get_or_create(user_id=user_id)
        if as_of is not None and facts.as_of is not None and as_of < facts.as_of:
            return False
        if full_name is not None:
            facts.full_name = full_name
        if verified_name is not None:
            facts.verified_name = verified_name
        if id_verified is not None:
            facts.id_verified = id_verified
            facts.id_verified_until = verified_until
        facts.as_of = as_of or facts.as_of
        facts.save()
        return True

    return in_transaction(work)
