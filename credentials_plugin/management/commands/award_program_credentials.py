"""Award (or, by each program's policy, revoke) program credentials from the certificates learners hold."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.core.types import Cause, IssuanceError
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = (
        "Backfill program credentials: apply every program (or one) to each learner holding an "
        "awarded certificate in its course runs, and to holders of its credential. Run it after "
        "defining or changing programs that learners already progressed in. Idempotent; pages "
        "through learners, so memory stays bounded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", metavar="UUID", help="Only this program.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")
        parser.add_argument("--batch-size", type=int, default=None, help="Learners read per page.")

    def handle(self, *args, program=None, dry_run=False, batch_size=None, **options):
        cause = Cause(kind=CauseKind.COMMAND, source="award_program_credentials")
        results = awarding.backfill(cause=cause, program_uuid=program, dry_run=dry_run, batch_size=batch_size)
        counts = Counter()
        try:
            for user_id, shape, outcome in results:
                counts["checked"] += 1
                if isinstance(outcome, IssuanceError):
                    counts["errors"] += 1
                    self.stderr.write(f"user {user_id}, program {shape.uuid}: {outcome}")
                elif outcome.changed:
                    counts[outcome.credential.status] += 1
                    self.stdout.write(f"user {user_id}, program {shape.uuid}: {outcome.reason}")
        except awarding.ProgramNotFound as error:
            raise CommandError(str(error)) from error
        prefix = "Dry run, nothing saved. Would change" if dry_run else "Changed"
        self.stdout.write(
            f"{prefix}: {counts['awarded']} awarded, {counts['revoked']} revoked. "
            f"Learner-programs checked: {counts['checked']}, errors: {counts['errors']}."
        )
