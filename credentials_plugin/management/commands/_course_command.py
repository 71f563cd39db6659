"""What the course management commands share: the course argument, learners, dry runs, summaries."""

from collections import Counter
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from credentials_plugin.api import as_course_key
from credentials_plugin.backends import get_backend
from credentials_plugin.certificates import issuance
from credentials_plugin.certificates.queries import find_learner
from credentials_plugin.statuses import CauseKind


class CourseCommand(BaseCommand):
    """A command on one course run, with --dry-run."""

    def add_arguments(self, parser):
        parser.add_argument("course_id", help="Course run key, e.g. course-v1:Org+Course+Run")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")
        parser.add_argument(
            "--notify-learners",
            action="store_true",
            help="Email each learner whose certificate this run awards, revokes or invalidates (default: none).",
        )

    def execute(self, *args, **options):
        self.notify_learners = bool(options.get("notify_learners"))
        return super().execute(*args, **options)

    def course_key(self, course_id):
        try:
            return as_course_key(course_id)
        except ValueError as error:
            raise CommandError(str(error)) from error

    def learner_id(self, identifier):
        user = find_learner(identifier, anyone=True)  # operators may act on any account
        if user is None:
            raise CommandError(f"No user '{identifier}'.")
        return user.pk

    def cause(self, reason=""):
        return issuance.Cause(
            kind=CauseKind.COMMAND,
            source=self.__module__.rsplit(".", 1)[-1],
            reason=reason,
            notify_learners=getattr(self, "notify_learners", False),
        )

    @contextmanager
    def maybe_rolled_back(self, dry_run):
        """A transaction that is rolled back on a dry run (no events are sent for it either)."""
        with transaction.atomic():
            yield
            if dry_run:
                transaction.set_rollback(True)

    def summarize(self, results, *, dry_run):
        """Print one line per change and a total; RESULTS are (user_id, outcome or error) pairs."""
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
        return counts


def takeover_course_option(course):
    """
    For the takeover commands (docs/takeover.md): refuse where there is no LMS certificates app,
    and give their optional ``--course`` as a course key (None: every course).
    """
    if not get_backend().has_lms_certificates:
        raise CommandError("There is no LMS certificates app here (CREDENTIALS_PLUGIN_BACKEND is not the LMS's).")
    try:
        return as_course_key(course) if course else None
    except ValueError as error:
        raise CommandError(str(error)) from error
