"""
Who may call what: authentication classes, and permissions read from the one table of
operations in ``credentials_plugin.web.permissions`` (course staff vs. the course's instructor).
"""

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from credentials_plugin.web.permissions import OPERATIONS, can


def authentication_classes():
    """
    JWT first when edx-drf-extensions is installed (as in the LMS), then the LMS session.

    Session authentication enforces CSRF on unsafe methods. Without JWT, an anonymous request
    gets 403 (the session scheme has no WWW-Authenticate challenge); with it, 401.
    """
    classes = []
    try:
        from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
    except ImportError:
        pass
    else:
        classes.append(JwtAuthentication)
    classes.append(SessionAuthentication)
    return classes


def operation_for(view, request):
    """The operation (a key of OPERATIONS) a view performs for this request's method (HEAD, OPTIONS: reading)."""
    return view.operations.get(request.method.upper(), "view")


def _denied_message(operation):
    return f"You need the course's {OPERATIONS[operation].value} role to {operation} here."


class CourseOperation(BasePermission):
    """
    The view's operation on the course in the URL (``course_key``) is allowed to the user.

    Views declare ``operations = {"GET": "view", "POST": "allowlist", ...}``.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        operation = operation_for(view, request)
        if can(request.user, operation, view.kwargs["course_key"]):
            return True
        self.message = _denied_message(operation)
        return False


class CertificateOperation(BasePermission):
    """
    The view's operation on one certificate is allowed: course staff (or instructor) of its
    course, per the table; a learner may read their own certificate (and nothing more).
    """

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, certificate):
        operation = operation_for(view, request)
        if operation == "view" and certificate.user_id == request.user.pk:
            return True
        if can(request.user, operation, certificate.course_key):
            return True
        self.message = _denied_message(operation)
        return False
