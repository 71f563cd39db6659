"""Import the program credentials the `credentials` service holds (docs/takeover-programs.md)."""

import argparse
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.core.limits import MAX_IMPORT_PROBLEMS_LISTED
from credentials_plugin.core.types import Cause, IssuanceError
from credentials_plugin.integrations import credentials_service
from credentials_plugin.programs import takeover
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = """Import the program credentials of the `credentials` service, keeping their uuids
(their old address /credentials/<uuid hex>/ leads to ours) and their status and date.

EXPORT is a JSON Lines file: each line one page of GET /api/v2/credentials/?type=program as
the service answers it (docs/takeover-programs.md has a curl/jq loop that writes it). With
--from-api, the command first fetches the API into EXPORT (resuming a partly written file).

Every row is checked first: an unknown program or learner, or a malformed row, stops the
import before anything is saved and all of them are listed; --skip-invalid imports the
others instead. Then each credential is imported in its own transaction: a second run
changes nothing, and a run that stopped halfway is finished by running it again.
Course-run credentials in the export are skipped (they come from the LMS's certificates).
"""

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=argparse.RawDescriptionHelpFormatter)

    def add_arguments(self, parser):
        parser.add_argument("export", help="The export file (JSON Lines of API pages).")
        parser.add_argument(
            "--from-api",
            action="store_true",
            help="Fetch the service's API into EXPORT first (settings CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_*).",
        )
        parser.add_argument("--api-url", help="The service's API root, e.g. https://credentials.example.com/api/v2/.")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the valid rows; list the others.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")

    def handle(self, *args, export, from_api=False, api_url=None, skip_invalid=False, dry_run=False, **options):
        try:
            if from_api:
                pages = credentials_service.fetch_to_file(export, api_url=api_url, progress=self._fetched)
                self.stdout.write(f"Fetched {pages} pages into {export}.")
            programs = {}
            checked = self._check(export, programs)
            if checked["problems"] and not skip_invalid:
                raise CommandError(
                    f"{checked['problems']} of {checked['rows']} program credentials cannot be imported "
                    f"(listed above); nothing was imported. Fix them, or run again with --skip-invalid."
                )
            counts = self._import(export, programs, dry_run=dry_run)
        except credentials_service.ExportError as error:
            raise CommandError(str(error)) from error
        prefix = "Dry run, nothing saved. Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{prefix} {counts['imported']} program credentials ({counts['awarded']} awarded, "
            f"{counts['revoked']} revoked), linked {counts['linked']} to credentials already here; "
            f"{counts['unchanged'] + counts['differs']} were imported before "
            f"({counts['differs']} now differ in the service); "
            f"{checked['skipped']} course-run credentials skipped; {counts['invalid']} invalid rows skipped; "
            f"{counts['errors']} conflicts."
        )
        if counts["errors"]:
            raise CommandError(f"{counts['errors']} credentials conflict with what is here (listed above).")

    def _check(self, export, programs):
        """Check every row; list the problems (the first MAX_IMPORT_PROBLEMS_LISTED of them)."""
        counts = Counter()
        for line, results in credentials_service.read_pages(export):
            rows, skipped = takeover.check_page(results, f"line {line}", programs)
            counts["skipped"] += skipped
            for row in rows:
                counts["rows"] += 1
                if row.problem:
                    counts["problems"] += 1
                    if counts["problems"] <= MAX_IMPORT_PROBLEMS_LISTED:
                        self.stderr.write(row.problem)
        if counts["problems"] > MAX_IMPORT_PROBLEMS_LISTED:
            self.stderr.write(f"... and {counts['problems'] - MAX_IMPORT_PROBLEMS_LISTED} more problems.")
        self.stdout.write(
            f"Checked {counts['rows']} program credentials: {counts['problems']} cannot be imported; "
            f"{counts['skipped']} course-run credentials skipped."
        )
        return counts

    def _import(self, export, programs, *, dry_run):
        counts = Counter()
        for line, results in credentials_service.read_pages(export):
            cause = Cause(kind=CauseKind.COMMAND, source="import_program_credentials", reason=f"{export}, line {line}")
            rows, _ = takeover.check_page(results, f"line {line}", programs, imported_before=False)
            for row in rows:
                if row.problem:  # listed by the check (--skip-invalid)
                    counts["invalid"] += 1
                    continue
                try:
                    outcome = takeover.import_row(row, programs, cause=cause, dry_run=dry_run)
                except IssuanceError as error:
                    counts["errors"] += 1
                    self.stderr.write(f"{row.credential.where}: {error}")
                    continue
                self._count(counts, row, outcome)
            self.stdout.write(
                f"line {line}: {counts['imported']} imported, {counts['linked']} linked, "
                f"{counts['unchanged'] + counts['differs']} imported before, so far."
            )
        return counts

    def _count(self, counts, row, outcome):
        counts[outcome.kind] += 1
        if outcome.kind == "imported":
            counts[row.credential.status] += 1
        elif outcome.kind in ("linked", "differs"):
            self.stdout.write(f"{row.credential.where}: {outcome.reason}")

    def _fetched(self, page, count):
        self.stdout.write(f"Fetched page {page} (the service counts {count} program credentials).")
