"""Refresh the name, grade and course snapshots of a course's certificates."""

from credentials_plugin.certificates import issuance
from credentials_plugin.management.commands._course_command import CourseCommand
from credentials_plugin.models import CourseCertificate
from credentials_plugin.statuses import CertificateStatus


class Command(CourseCommand):
    help = "Regenerate certificates of a course (by status, or one learner's): refresh their snapshots."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--status",
            action="append",
            choices=CertificateStatus.values,
            help="Only certificates with this status (repeatable). Default: awarded.",
        )
        parser.add_argument("--user", help="Only this learner's certificate (username, email or id).")
        parser.add_argument("--reason", default="", help="Recorded in the audit trail.")

    def handle(self, *args, course_id, status=None, user=None, reason="", dry_run=False, **options):
        course_key = self.course_key(course_id)
        rows = CourseCertificate.objects.filter(course_key=course_key)
        rows = rows.filter(user_id=self.learner_id(user)) if user else rows.filter(status__in=status or ["awarded"])
        cause = self.cause(reason)

        def results():
            after = 0
            while page := list(rows.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:500]):
                with self.maybe_rolled_back(dry_run):
                    outcomes = issuance.regenerate_many(course_key, page, cause=cause)
                yield from ((outcome.certificate.user_id, outcome) for outcome in outcomes)
                after = page[-1]

        self.summarize(results(), dry_run=dry_run)
