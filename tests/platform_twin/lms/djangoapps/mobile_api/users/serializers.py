"""Twin of edx-platform's ``lms/djangoapps/mobile_api/users/serializers.py``: the enrollment's certificate."""

from lms.djangoapps.certificates.api import certificate_downloadable_status


class CourseEnrollmentSerializer:
    """Mirrors the ``certificate`` field of ``CourseEnrollmentSerializer`` (the mobile app's enrollments API)."""

    def __init__(self, context):
        self.context = context

    def get_certificate(self, model):
        """Mirrors ``get_certificate``: {"url": the absolute download_url} when downloadable, else {}."""
        certificate_info = certificate_downloadable_status(model.user, model.course_id)
        if certificate_info["is_downloadable"]:
            return {"url": self.context["request"].build_absolute_uri(certificate_info["download_url"])}
        return {}
