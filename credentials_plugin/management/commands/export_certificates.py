"""Export a course's certificates as CSV."""

import csv
from contextlib import nullcontext

from credentials_plugin.certificates import queries
from credentials_plugin.core.links import certificate_url
from credentials_plugin.management.commands._course_command import CourseCommand
from credentials_plugin.statuses import CertificateStatus


class Command(CourseCommand):
    help = "Write a course's certificates as CSV (to --output, or standard output); --dry-run only counts them."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--status", choices=CertificateStatus.values, help="Only this status.")

    def handle(self, *args, course_id, output=None, status=None, dry_run=False, **options):
        rows = queries.certificates(self.course_key(course_id), status=status or "", ordering="issued")
        if dry_run:
            self.stdout.write(f"Dry run: {rows.count()} certificates would be exported.")
            return
        with open(output, "w", newline="", encoding="utf-8") if output else nullcontext(self.stdout) as stream:
            writer = csv.writer(stream)
            count = -1
            for count, row in enumerate(queries.export_rows(rows, certificate_url)):  # noqa: B007
                writer.writerow(row)
        if output:
            self.stdout.write(f"Exported {count} certificates to {output}.")
