"""Revoke learners' certificates in a course, with a reason."""

from pathlib import Path

from django.core.management.base import CommandError

from credentials_plugin.certificates import issuance
from credentials_plugin.management.commands._course_command import CourseCommand
from credentials_plugin.models import CourseCertificate


class Command(CourseCommand):
    help = "Revoke the certificates of the given learners in a course (a reason is required)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reason", required=True, help="Why; recorded and shown on the certificate page.")
        parser.add_argument("--user", action="append", default=[], help="A learner (repeatable).")
        parser.add_argument("--users-file", help="A file with one username, email or id per line.")

    def handle(self, *args, course_id, reason, user, users_file=None, dry_run=False, **options):
        course_key = self.course_key(course_id)
        if not reason.strip():
            raise CommandError("A reason is required.")
        identifiers = list(user)
        if users_file:
            identifiers += [line.strip() for line in Path(users_file).read_text().splitlines() if line.strip()]
        if not identifiers:
            raise CommandError("Name learners with --user or --users-file.")
        user_ids = [self.learner_id(identifier) for identifier in identifiers]  # all known, or nothing done
        certificates = dict(
            CourseCertificate.objects.filter(course_key=course_key, user_id__in=user_ids).values_list("user_id", "uuid")
        )
        missing = [identifier for identifier, uid in zip(identifiers, user_ids, strict=True) if uid not in certificates]
        if missing:
            raise CommandError(f"No certificate in {course_key} for: {', '.join(missing)}.")
        cause = self.cause()

        def results():
            for user_id in user_ids:
                with self.maybe_rolled_back(dry_run):
                    yield user_id, issuance.revoke(certificates[user_id], reason=reason, cause=cause)

        self.summarize(results(), dry_run=dry_run)
