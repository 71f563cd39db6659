"""Pages for a course's staff."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from uuid import uuid4

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from credentials_plugin.backends import get_backend
from credentials_plugin.permissions import is_course_staff
from credentials_plugin.presentation import (
    PageState,
    certificate_context,
    course_look,
    page_language,
    theme_template_names,
)
from credentials_plugin.views.public import render_certificate


def course_staff_required(view):
    """Anonymous visitors go to the login page; signed-in users without a staff role get a 403."""

    def wrapper(request, course_key, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_course_staff(request.user, course_key):
            raise PermissionDenied("Course staff only.")
        return view(request, course_key, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return wrapper


@require_safe
@course_staff_required
def certificate_preview(request, course_key):
    """The course's certificate as a learner would get it, with sample data (``?mode=``)."""
    look = course_look(course_key)
    course = get_backend().get_course(course_key)
    now = timezone.now()
    validity = look.config.validity_days if look.config else None
    sample = SimpleNamespace(
        uuid=uuid4(),
        user_id=None,
        course_key=course_key,
        course_name=course.name if course and course.name else str(course_key),
        learner_name=request.user.get_full_name() or "Sample Learner",
        mode=request.GET.get("mode", "verified"),
        percent_grade=Decimal("0.92"),
        issued_at=now,
        date_override=None,
        expires_at=now + timedelta(days=validity) if validity else None,
    )
    language = page_language(look)
    with translation.override(language):
        context = certificate_context(sample, look, language=language, state=PageState("preview"), is_owner=False)
        return render_certificate(context, theme_template_names(course_key, sample.mode, language))
