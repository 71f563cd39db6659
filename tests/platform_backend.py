"""
A backend that asks an "LMS" for its facts, as the edx-platform backend does, with the LMS's
data held in a dict: it runs the plugin's LMS-mode paths (facts not kept locally) in tests.
"""

from credentials_plugin.backends.base import Backend, CourseInfo, Enrollment, Grade

LMS_STATE = {"enrollments": {}, "grades": {}, "courses": {}, "names": {}, "verified": set()}


def reset():
    for value in LMS_STATE.values():
        value.clear()


class InMemoryPlatformBackend(Backend):
    keeps_facts_locally = False

    def get_enrollment(self, user_id, course_key):
        mode = LMS_STATE["enrollments"].get((user_id, str(course_key)))
        return Enrollment(mode=mode, is_active=True) if mode else None

    def get_course(self, course_key):
        name = LMS_STATE["courses"].get(str(course_key))
        return CourseInfo(course_key=course_key, name=name, org=course_key.org) if name else None

    def certificate_name(self, user_id, *, reported_name=""):
        return LMS_STATE["names"].get(user_id, "") or reported_name

    def certificate_names(self, user_ids):
        return {uid: LMS_STATE["names"][uid] for uid in user_ids if LMS_STATE["names"].get(uid)}

    def current_grades(self, course_key, user_ids):
        grades = ((uid, LMS_STATE["grades"].get((uid, str(course_key)))) for uid in user_ids)
        return {uid: grade for uid, grade in grades if grade}

    def is_id_verified(self, user_id):
        return user_id in LMS_STATE["verified"]

    def get_course_roles(self, user, course_key):
        return set()

    def is_global_staff(self, user):
        return bool(user.is_authenticated and user.is_staff)

    def get_current_grade(self, user_id, course_key):
        return LMS_STATE["grades"].get((user_id, str(course_key)))

    def enrolled_among(self, course_key, user_ids):
        return {uid for uid in user_ids if (uid, str(course_key)) in LMS_STATE["enrollments"]}

    def enrolled_user_ids(self, course_key, *, after, limit):
        ids = sorted(uid for (uid, key) in LMS_STATE["enrollments"] if key == str(course_key) and uid > after)
        return ids[:limit]


def enroll(user, course_key, mode="verified"):
    LMS_STATE["enrollments"][(user.id, str(course_key))] = mode


def grade(user, course_key, percent, passed):
    from decimal import Decimal

    LMS_STATE["grades"][(user.id, str(course_key))] = Grade(percent=Decimal(percent), letter="", passed=passed)
