"""Write the LMS's GeneratedCertificate rows from ours in owned courses, so every learner surface links to us."""

from django.core.management.base import BaseCommand

from credentials_plugin.core.takeover import owns_course
from credentials_plugin.integrations import lms_mirror
from credentials_plugin.management.commands._course_command import takeover_course_option
from credentials_plugin.models import CourseCertificate


class Command(BaseCommand):
    help = (
        "In the courses the plugin owns (CREDENTIALS_PLUGIN_TAKEOVER_COURSES), write each certificate's "
        "row in the LMS's certificates app from ours (status, our page as download_url), as changes do "
        "from then on. Run it after the import, once a course is owned. See docs/takeover.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--course", help="Only this course run.")

    def handle(self, *args, course=None, **options):
        course_key = takeover_course_option(course)
        keys = [course_key] if course_key else None
        if keys is None:
            keys = sorted(set(CourseCertificate.objects.values_list("course_key", flat=True)), key=str)
        for course_key in keys:
            if not owns_course(course_key):
                self.stdout.write(f"{course_key}: not owned (CREDENTIALS_PLUGIN_TAKEOVER_COURSES); left as it is.")
                continue
            written = lms_mirror.mirror_course(course_key)
            self.stdout.write(f"{course_key}: {written} LMS rows written.")
