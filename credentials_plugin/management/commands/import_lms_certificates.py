"""Import the LMS's certificates app: certificates, allowlist, invalidations and course settings."""

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.certificates import issuance, lms_import
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.limits import MAX_IMPORT_BATCH_SIZE
from credentials_plugin.management.commands._course_command import takeover_course_option
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = (
        "Import the certificates the LMS's own certificates app holds (GeneratedCertificate), with "
        "its allowlist, its invalidations and each course's certificate settings. Idempotent; a "
        "run that stops resumes where it stopped. See docs/takeover.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--course", help="Only this course run (course-v1:Org+Course+Run); default: every course.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=None, help=f"Rows per page (1 to {MAX_IMPORT_BATCH_SIZE})."
        )

    def handle(self, *args, course=None, dry_run=False, batch_size=None, **options):
        course_key = takeover_course_option(course)
        batch_size = plugin_settings.BATCH_SIZE if batch_size is None else batch_size
        cause = issuance.Cause(kind=CauseKind.COMMAND, source="import_lms_certificates")
        try:
            report = lms_import.run_import(
                course_key=course_key,
                batch_size=batch_size,
                dry_run=dry_run,
                cause=cause,
                progress=self._progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self._summary(report)

    def _progress(self, report, last_id):
        verb = "would import" if report.dry_run else "imported"
        self.stdout.write(
            f"... {report.read} rows read (up to id {last_id}): {report.imported} {verb}, "
            f"{report.unchanged} already imported, {report.kept} kept ours, {sum(report.skipped.values())} skipped"
        )

    def _summary(self, report):
        verb = "would import" if report.dry_run else "imported"
        if report.resumed_after:
            self.stdout.write(f"Resumed after GeneratedCertificate {report.resumed_after}.")
        self.stdout.write(
            f"{report.read} LMS certificates read: {report.imported} {verb}, {report.unchanged} already imported, "
            f"{report.kept} kept (we hold our own), {sum(report.skipped.values())} skipped."
        )
        for status, count in sorted(report.statuses.items()):
            self.stdout.write(f"  LMS status {status}: {count}")
        for reason, count in report.skipped.most_common():
            self.stdout.write(f"  skipped {count}: {reason}")
        self.stdout.write(f"Allowlist entries {'to add' if report.dry_run else 'added'}: {report.allowlisted}")
        if report.configured:
            self.stdout.write(f"Courses configured from the LMS's settings: {', '.join(report.configured)}")
        if report.failed:
            self.stderr.write(f"{report.failed} rows could not be imported; the first ones:")
        for error in report.errors:
            self.stderr.write(error)
        if report.dry_run:
            self.stdout.write("Dry run: nothing was changed.")
