"""
openedx-filters pipeline steps that link the instructor dashboard to the course's certificate pages.

- ``AddInstructorDashboardTab`` for ``InstructorDashboardTabsRequested``
  (``org.openedx.learning.instructor.dashboard.tabs.requested.v1``): the instructor dashboard app
  (MFE) gets a "Credentials" tab whose URL is the course's management page.
- ``AddLegacyDashboardSection`` for ``InstructorDashboardRenderStarted``
  (``org.openedx.learning.instructor.dashboard.render.started.v1``): the legacy dashboard gets a
  section with links to the pages. That dashboard includes each section's Mako template
  ``<template_path_prefix><section_key>.html``; ours ships in the plugin's templates folder, which
  the plugin's settings add to ``MAKO_TEMPLATE_DIRS_BASE``. Without it there the section is left
  out (and a warning logged) rather than break the dashboard.

Both add their entry only for users who may see the pages (``permissions.can(user, "view", ...)``).

For the takeover from the LMS's certificates app (docs/takeover.md):

- ``RedirectLmsCertificatePage`` for ``CertificateRenderStarted``
  (``org.openedx.learning.certificate.render.started.v1``): the LMS's own certificate page
  (``/certificates/<verify_uuid>``) redirects to ours for a certificate we hold. The LMS answers a
  ``RedirectToPage`` with a 302 (``HttpResponseRedirect``) and runs the filter only for a
  certificate it holds as downloadable; our own ``/certificates/<verify_uuid>`` answers 301.
- ``PreventBuiltInCertificates`` for ``CertificateCreationRequested``
  (``org.openedx.learning.certificate.creation.requested.v1``): in a course the plugin owns
  (``CREDENTIALS_PLUGIN_TAKEOVER_COURSES``) the LMS's certificates app creates nothing; the plugin's
  own creation, which runs the same filter, goes through.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CertificateCreationRequested, CertificateRenderStarted

from credentials_plugin import api
from credentials_plugin.core.links import absolute_url
from credentials_plugin.core.takeover import is_our_own_issuance, owns_course
from credentials_plugin.web.permissions import can
from credentials_plugin.web.rendering import packaged_templates_dir

log = logging.getLogger(__name__)

SECTION_KEY = "credentials_plugin"
TAB_ID = "credentials_plugin"
#: After the platform's own Certificates tab (80), before Cohorts (90).
TAB_SORT_ORDER = 85
#: Where the legacy dashboard finds our section's Mako template, under the plugin's templates folder.
LEGACY_TEMPLATE_PREFIX = "/credentials_plugin/instructor_dashboard/"


def management_url(course_key, page="staff_overview"):
    """The absolute URL of one of the course's management pages."""
    return absolute_url(reverse(f"credentials_plugin:{page}", args=[course_key]))


def _current_user():
    """The user of the request being served (edx-platform runs django-crum's middleware), or None."""
    try:
        from crum import get_current_user
    except ImportError:  # pragma: no cover - crum comes with edx-django-utils
        return None
    return get_current_user()


def _mako_template_found():
    templates = packaged_templates_dir().resolve()
    return any(
        Path(str(directory)).resolve() == templates for directory in getattr(settings, "MAKO_TEMPLATE_DIRS_BASE", ())
    )


class AddInstructorDashboardTab(PipelineStep):
    """Add a tab to the instructor dashboard app that opens the course's certificate management pages."""

    def run_filter(self, tabs, user, course_key, **kwargs):
        tabs = list(tabs or [])
        if can(user, "view", course_key) and not any(tab.get("tab_id") == TAB_ID for tab in tabs):
            tabs.append(
                {
                    "tab_id": TAB_ID,
                    "title": _("Credentials"),
                    "url": management_url(course_key),
                    "sort_order": TAB_SORT_ORDER,
                }
            )
        return {"tabs": tabs, "user": user, "course_key": course_key}


class AddLegacyDashboardSection(PipelineStep):
    """Add a section to the legacy instructor dashboard with links to the course's certificate pages."""

    def run_filter(self, context, template_name, **kwargs):
        course = context.get("course")
        course_key = getattr(course, "id", None)
        user = _current_user()
        if course_key is None or not can(user, "view", course_key):
            return {"context": context, "template_name": template_name}
        if not _mako_template_found():
            log.warning(
                "credentials_plugin: the legacy instructor dashboard section is left out: %s is not in "
                "MAKO_TEMPLATE_DIRS_BASE.",
                packaged_templates_dir(),
            )
            return {"context": context, "template_name": template_name}
        sections = context.setdefault("sections", [])
        if not any(section.get("section_key") == SECTION_KEY for section in sections):
            sections.append(
                {
                    "section_key": SECTION_KEY,
                    "section_display_name": _("Credentials"),
                    "template_path_prefix": LEGACY_TEMPLATE_PREFIX,
                    "course_id": str(course_key),
                    "management_url": management_url(course_key),
                    "links": [
                        {"title": _("Overview and configuration"), "url": management_url(course_key)},
                        {"title": _("Certificates"), "url": management_url(course_key, "staff_certificates")},
                        {"title": _("Allowlist"), "url": management_url(course_key, "staff_allowlist")},
                        {"title": _("Bulk runs"), "url": management_url(course_key, "staff_bulk")},
                        {"title": _("History"), "url": management_url(course_key, "staff_history")},
                    ],
                }
            )
        return {"context": context, "template_name": template_name}


class RedirectLmsCertificatePage(PipelineStep):
    """The LMS's certificate page sends the visitor to ours, for a certificate we hold."""

    def run_filter(self, context, custom_template, **kwargs):
        # Only the LMS's page has certificate_id_number (its verify_uuid); ours never redirects itself.
        verify_uuid = str((context or {}).get("certificate_id_number") or "")
        certificate = api.get_certificate_by_lms_id(verify_uuid) if verify_uuid else None
        if certificate is None:
            return {"context": context, "custom_template": custom_template}
        raise CertificateRenderStarted.RedirectToPage(
            "credentials_plugin holds this certificate: its page is the plugin's.", redirect_to=certificate.public_url
        )


class PreventBuiltInCertificates(PipelineStep):
    """In a course the plugin owns, the LMS's certificates app creates no certificate (and logs why)."""

    def run_filter(self, user, course_key, *, mode="", generation_mode=None, **kwargs):
        if is_our_own_issuance() or not owns_course(course_key):
            return {}
        reason = (
            f"credentials_plugin owns the certificates of {course_key} (CREDENTIALS_PLUGIN_TAKEOVER_COURSES): "
            "the LMS's certificates app creates none."
        )
        log.info("%s Learner %s, mode %s, generation %s.", reason, getattr(user, "id", None), mode, generation_mode)
        raise CertificateCreationRequested.PreventCertificateCreation(reason)
