"""Retire a learner's data in the plugin, for sites where the LMS's retirement signals don't reach it."""

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.core.types import Cause
from credentials_plugin.integrations.retirement import retire_learner
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = (
        "Retire a learner (by numeric user id): erase their names, withdraw their certificates, program "
        "credentials and signed credentials from the public, revoke their share links. Running it again does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("user_id", help="The learner's numeric user id (ids are not PII; names and emails are).")

    def handle(self, *args, user_id, **options):
        if not (user_id.isascii() and user_id.isdigit()):
            raise CommandError(f"A numeric user id is expected, not {user_id!r}.")
        result = retire_learner(int(user_id), cause=Cause(kind=CauseKind.COMMAND, source="retire_learner"))
        if not result.changed:
            self.stdout.write(f"Nothing to retire for user {result.user_id}: already retired, or no data here.")
            return
        self.stdout.write(
            f"Retired user {result.user_id}: {result.certificates} certificates, {result.program_credentials} "
            f"program credentials, {result.signed_credentials} signed credentials, {result.share_links} share links, "
            f"{result.redacted_texts} staff texts redacted."
        )
