"""Re-evaluate a course's certificates (or one learner's) from the LMS's current grades."""

from collections import Counter

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from credentials_plugin import issuance
from credentials_plugin.api import as_course_key
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = (
        "Heal what missed events left behind: re-read enrollments and grades from the LMS and "
        "apply the course's rules, for every learner of a course run or for one learner."
    )

    def add_arguments(self, parser):
        parser.add_argument("course_id", help="Course run key, e.g. course-v1:Org+Course+Run")
        parser.add_argument("--user", help="Only this learner (username or numeric id).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")
        parser.add_argument("--batch-size", type=int, default=None, help="Learners read per page.")

    def handle(self, *args, course_id, user=None, dry_run=False, batch_size=None, **options):
        try:
            course_key = as_course_key(course_id)
        except ValueError as error:
            raise CommandError(str(error)) from error
        cause = issuance.Cause(kind=CauseKind.COMMAND, source="reconcile_certificates")
        if user:
            user_id = self._user_id(user)
            results = [(user_id, issuance.reconcile_learner(user_id, course_key, cause=cause, dry_run=dry_run))]
        else:
            results = issuance.reconcile_course(course_key, cause=cause, dry_run=dry_run, batch_size=batch_size)

        counts = Counter()
        for user_id, outcome in results:
            counts["learners"] += 1
            if isinstance(outcome, issuance.IssuanceError):
                counts["errors"] += 1
                self.stderr.write(f"user {user_id}: {outcome}")
            elif outcome.changed:
                counts[f"-> {outcome.certificate.status}" if outcome.certificate else "changed"] += 1
                self.stdout.write(f"user {user_id}: {outcome.reason}")
        prefix = "Dry run, nothing saved. Would change" if dry_run else "Changed"
        changes = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()) if name.startswith("->"))
        self.stdout.write(
            f"{prefix}: {changes or 'nothing'}. Learners checked: {counts['learners']}, errors: {counts['errors']}."
        )

    def _user_id(self, user):
        users = get_user_model().objects
        found = users.filter(pk=int(user)) if user.isdigit() else users.filter(username=user)
        user_id = found.values_list("pk", flat=True).first()
        if user_id is None:
            raise CommandError(f"No user '{user}'.")
        return user_id
