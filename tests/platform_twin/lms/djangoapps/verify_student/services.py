"""Twin of edx-platform's ``lms/djangoapps/verify_student/services.py`` (and ``utils.most_recent_verification``)."""

from django.utils.timezone import now

from lms.djangoapps.verify_student.models import ManualVerification, SoftwareSecurePhotoVerification, SSOVerification


def most_recent_verification(verification_sets):
    """Mirrors ``verify_student.utils.most_recent_verification``: the latest by ``updated_at``."""
    most_recent = None
    for verifications in verification_sets:
        for verification in verifications:
            if not most_recent or verification.updated_at > most_recent.updated_at:
                most_recent = verification
    return most_recent


class IDVerificationService:
    """Mirrors ``IDVerificationService``: the one question the backend asks."""

    @classmethod
    def user_is_verified(cls, user):
        """Mirrors ``user_is_verified``: an approved verification whose expiration is not past."""
        expiration_datetime = cls.get_expiration_datetime(user, ["approved"])
        if expiration_datetime:
            return expiration_datetime >= now()
        return False

    @classmethod
    def get_expiration_datetime(cls, user, statuses):
        """Mirrors ``get_expiration_datetime``: the expiration of the most recent matching verification."""
        filter_kwargs = {"user": user, "status__in": statuses}
        attempt = most_recent_verification(
            (
                SoftwareSecurePhotoVerification.objects.filter(**filter_kwargs),
                SSOVerification.objects.filter(**filter_kwargs),
                ManualVerification.objects.filter(**filter_kwargs),
            )
        )
        return attempt and attempt.expiration_datetime
