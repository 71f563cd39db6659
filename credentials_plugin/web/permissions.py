"""
Who may do what. One table, read by the staff pages, the REST API and the tests.

Roles come from the LMS backend: global staff, and a course's ``staff`` and ``instructor``
(the LMS's admin role for a course) access roles. Learners see only their own certificates.

A program credential belongs to no single course: an operation on it is allowed to global staff
and to whoever holds the role the table asks for in any course run of the program
(``can_in_program``), so an instructor of one of its courses may revoke or reinstate it.
"""

from enum import Enum

from credentials_plugin.backends import get_backend
from credentials_plugin.backends.base import COURSE_INSTRUCTOR_ROLE, COURSE_STAFF_ROLE


class Access(Enum):
    """The least a user needs for an operation on a course."""

    COURSE_STAFF = "course staff"  # the course's staff or instructor role, or global staff
    INSTRUCTOR = "instructor"  # the course's instructor role, or global staff


#: Every course operation and what it needs. Reading and per-learner fixes are course staff's;
#: decisions that change what the course awards, or many certificates at once, are the instructor's.
OPERATIONS = {
    "view": Access.COURSE_STAFF,  # overview, certificate list, one learner, history, preview
    "export": Access.COURSE_STAFF,  # CSV export of the certificate list
    "issue": Access.COURSE_STAFF,  # issue one eligible (or allowlisted) learner's certificate
    "regenerate": Access.COURSE_STAFF,  # refresh one certificate's name, grade and course snapshots
    "revoke": Access.INSTRUCTOR,  # revoke one certificate, with a reason
    "reinstate": Access.INSTRUCTOR,  # lift a revocation, with a reason
    "allowlist": Access.INSTRUCTOR,  # add or remove learners, one by one or by CSV
    "configure": Access.INSTRUCTOR,  # change the course's certificate configuration
    "bulk": Access.INSTRUCTOR,  # start "issue all eligible" or "regenerate by status"
    # Program credentials, asked of a course run of the program (see ``can_in_program``).
    "view_program_credentials": Access.COURSE_STAFF,  # the programs of a course and their credential holders
    "revoke_program_credential": Access.INSTRUCTOR,  # revoke one program credential, with a reason
    "reinstate_program_credential": Access.INSTRUCTOR,  # lift that revocation, with a reason
}


def is_course_staff(user, course_key):
    """Global staff, or the course's staff or instructor role."""
    return _has(user, course_key, {COURSE_STAFF_ROLE, COURSE_INSTRUCTOR_ROLE})


def is_course_instructor(user, course_key):
    """Global staff, or the course's instructor (admin) role."""
    return _has(user, course_key, {COURSE_INSTRUCTOR_ROLE})


def can(user, operation, course_key):
    """Whether USER may perform OPERATION (a key of OPERATIONS) on the course."""
    needed = OPERATIONS[operation]
    if needed is Access.INSTRUCTOR:
        return is_course_instructor(user, course_key)
    return is_course_staff(user, course_key)


def can_in_program(user, operation, course_keys):
    """
    Whether USER may perform OPERATION on a program credential: global staff, or the role the table
    asks for in any course run of the program (COURSE_KEYS). A program spans courses, and an
    instructor of one of them answers for the program in that course's staff pages.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if get_backend().is_global_staff(user):
        return True
    return any(can(user, operation, course_key) for course_key in sorted(course_keys, key=str))


def may_allowlist_outside_course(user):
    """Whether USER may allowlist an account that is not a learner of the course (by its username): global staff."""
    return getattr(user, "is_authenticated", False) and get_backend().is_global_staff(user)


def _has(user, course_key, roles):
    if not getattr(user, "is_authenticated", False):
        return False
    backend = get_backend()
    return backend.is_global_staff(user) or bool(backend.get_course_roles(user, course_key) & roles)
