"""Who may see and do what: global staff, and a course's staff and instructors (from the LMS backend)."""

from credentials_plugin.backends import get_backend
from credentials_plugin.backends.base import COURSE_INSTRUCTOR_ROLE, COURSE_STAFF_ROLE


def is_course_staff(user, course_key):
    """Global staff, or the course's staff or instructor role."""
    if not getattr(user, "is_authenticated", False):
        return False
    backend = get_backend()
    return backend.is_global_staff(user) or bool(
        backend.get_course_roles(user, course_key) & {COURSE_STAFF_ROLE, COURSE_INSTRUCTOR_ROLE}
    )


def is_course_instructor(user, course_key):
    """Global staff, or the course's instructor (admin) role."""
    if not getattr(user, "is_authenticated", False):
        return False
    backend = get_backend()
    return backend.is_global_staff(user) or COURSE_INSTRUCTOR_ROLE in backend.get_course_roles(user, course_key)
