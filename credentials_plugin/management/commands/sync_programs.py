"""Define programs from the LMS's course catalog, when the LMS has one."""

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.backends import get_backend
from credentials_plugin.core.types import Cause
from credentials_plugin.programs import definitions as program_definitions
from credentials_plugin.statuses import CauseKind

CATALOG_SOURCE = "catalog"


class Command(BaseCommand):
    help = (
        "Copy the program definitions of the LMS's course catalog into the plugin's tables (all or "
        "nothing; programs are matched by uuid and their requirements replaced). Without a catalog "
        "(the standalone backend, or the catalog integration off) it says so and changes nothing: "
        "define programs with import_programs, the admin or the API instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be defined; save nothing.")

    def handle(self, *args, dry_run=False, **options):
        backend = get_backend()
        catalog = backend.program_definitions()
        if catalog is None:
            raise CommandError(
                f"{type(backend).__name__} has no course catalog to read programs from; nothing was changed. "
                "Define programs with import_programs, the Django admin or the API."
            )
        try:
            definitions, skipped = program_definitions.from_catalog(catalog)
        except program_definitions.DefinitionError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{len(error.errors)} problems in the catalog's programs; nothing was synced."
            ) from error
        for note in skipped:
            self.stdout.write(f"Skipped {note}")
        cause = Cause(kind=CauseKind.COMMAND, source="sync_programs", reason="Synced from the course catalog.")
        saved = program_definitions.save(definitions, cause=cause, source=CATALOG_SOURCE, dry_run=dry_run)
        for program in saved:
            self.stdout.write(f'{program.uuid} "{program.title}": {len(program.requirements)} requirements')
        prefix = "Dry run, nothing saved. Would sync" if dry_run else "Synced"
        self.stdout.write(f"{prefix} {len(saved)} programs from the catalog; skipped {len(skipped)}.")
