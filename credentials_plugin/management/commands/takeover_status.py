"""What is still on the LMS's built-in certificates side: courses, certificates, links (docs/takeover.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from credentials_plugin.certificates import lms_import
from credentials_plugin.conf import plugin_settings
from credentials_plugin.management.commands._course_command import takeover_course_option

STEPS = {
    "org.openedx.learning.certificate.render.started.v1": "credentials_plugin.pipeline.RedirectLmsCertificatePage",
    "org.openedx.learning.certificate.creation.requested.v1": "credentials_plugin.pipeline.PreventBuiltInCertificates",
}


class Command(BaseCommand):
    help = (
        "Report what is still on the LMS's built-in certificates side: courses the plugin does not own, "
        "certificates not imported, LMS rows still linking to the LMS's own page, filter steps not "
        "configured. Changes nothing. Exits 1 while anything is left."
    )

    def add_arguments(self, parser):
        parser.add_argument("--course", help="Only this course run.")

    def handle(self, *args, course=None, **options):
        course_key = takeover_course_option(course)
        courses = lms_import.takeover_state(course_key=course_key)
        left = 0
        self.stdout.write(
            f"Owned courses (CREDENTIALS_PLUGIN_TAKEOVER_COURSES): {plugin_settings.TAKEOVER_COURSES or 'none'}"
        )
        for filter_type, step in STEPS.items():
            configured = step in (
                (getattr(settings, "OPEN_EDX_FILTERS_CONFIG", {}) or {}).get(filter_type, {}) or {}
            ).get("pipeline", [])
            left += not configured
            self.stdout.write(f"{'ok  ' if configured else 'TODO'} {step} in {filter_type}")
        for state in courses:
            statuses = ", ".join(f"{status} {count}" for status, count in sorted(state.lms_statuses.items()))
            todo = []
            if state.not_imported:
                todo.append(f"{state.not_imported} certificates not imported")
            if not state.owned:
                todo.append("not owned: the LMS's app still creates certificates")
            if state.owned and not state.enabled_here:
                todo.append("owned but not enabled here")
            if state.links_to_lms_pages:
                todo.append(f"{state.links_to_lms_pages} LMS rows still link to the LMS's page")
            left += bool(todo)
            self.stdout.write(
                f"{'TODO' if todo else 'ok  '} {state.course_key}: LMS {statuses}; imported {state.imported}"
                + (f"; {'; '.join(todo)}" if todo else "")
            )
        if not courses:
            self.stdout.write("The LMS holds no certificates" + (f" for {course_key}." if course_key else "."))
        self.stdout.write("Nothing is left on the built-in side." if not left else f"{left} things left to do.")
        if left:
            raise SystemExit(1)
