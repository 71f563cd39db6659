"""
Twin of edx-platform's ``common/djangoapps/student/roles.py``: the legacy roles over CourseAccessRole.

Master also reads openedx-authz role assignments in ``RoleCache``; Redwood, the oldest supported
release, reads CourseAccessRole only, which is what the twin does.
"""

from common.djangoapps.student.models import CourseAccessRole

ROLE_CACHE_UNGROUPED_ROLES__KEY = "ungrouped"

#: Mirrors ``roles.ACCESS_ROLES_INHERITANCE`` as ``register_access_role`` fills it: a role's holders
#: include the holders of the roles based on it (CourseLimitedStaffRole's ``limited_staff`` on ``staff``).
ACCESS_ROLES_INHERITANCE = {"staff": {"limited_staff"}}


def get_role_cache_key_for_course(course_key=None):
    """Mirrors ``roles.get_role_cache_key_for_course``: org-wide roles have no course and group together."""
    return str(course_key) if course_key else ROLE_CACHE_UNGROUPED_ROLES__KEY


class RoleCache:
    """Mirrors ``roles.RoleCache``: the user's CourseAccessRole rows, grouped by course (cached on the user)."""

    def __init__(self, user):
        self._roles_by_course_id = {}
        for role in CourseAccessRole.objects.filter(user=user).all():
            key = get_role_cache_key_for_course(role.course_id)
            self._roles_by_course_id.setdefault(key, set()).add((role.role, role.org))

    def has_role(self, role, course_id, org):
        """Mirrors ``RoleCache.has_role``: the role or one based on it, in that course (or org-wide), in ORG."""
        course_roles = self._roles_by_course_id.get(get_role_cache_key_for_course(course_id), set())
        roles = ACCESS_ROLES_INHERITANCE.get(role, set()) | {role}
        return any(held in roles and held_org == org for held, held_org in course_roles)


class GlobalStaff:
    """Mirrors ``roles.GlobalStaff``: ``has_user`` is ``user.is_staff`` (no check of is_active)."""

    def has_user(self, user):
        return bool(user and user.is_staff)


class RoleBase:
    """Mirrors ``roles.RoleBase``: a role name, optionally limited to an org and a course run."""

    def __init__(self, role_name, org="", course_key=None):
        self.org = org
        self.course_key = course_key
        self._role_name = role_name

    def has_user(self, user, check_user_activation=True):
        """Mirrors ``RoleBase.has_user``: anonymous and inactive users hold no role; roles are cached on the user."""
        if check_user_activation and not (user.is_authenticated and user.is_active):
            return False
        if not hasattr(user, "_roles"):
            user._roles = RoleCache(user)
        return user._roles.has_role(self._role_name, self.course_key, self.org)


class CourseRole(RoleBase):
    """Mirrors ``roles.CourseRole``: a role in one course run (its org is the course key's)."""

    def __init__(self, role, course_key):
        super().__init__(role, course_key.org, course_key)


class OrgRole(RoleBase):
    """Mirrors ``roles.OrgRole``: a role over every course run of an organization."""


class CourseStaffRole(CourseRole):
    """Mirrors ``roles.CourseStaffRole`` (``staff``)."""

    ROLE = "staff"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseInstructorRole(CourseRole):
    """Mirrors ``roles.CourseInstructorRole`` (``instructor``)."""

    ROLE = "instructor"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class OrgStaffRole(OrgRole):
    """Mirrors ``roles.OrgStaffRole``: ``staff`` over an organization."""

    def __init__(self, *args, **kwargs):
        super().__init__("staff", *args, **kwargs)


class OrgInstructorRole(OrgRole):
    """Mirrors ``roles.OrgInstructorRole``: ``instructor`` over an organization."""

    def __init__(self, *args, **kwargs):
        super().__init__("instructor", *args, **kwargs)
