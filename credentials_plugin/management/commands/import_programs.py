"""Define programs from a JSON or CSV file, all or nothing."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.core.types import Cause
from credentials_plugin.programs import definitions as program_definitions
from credentials_plugin.statuses import CauseKind


class Command(BaseCommand):
    help = """Define programs from a JSON or CSV file (by its extension), all or nothing: every problem
in the file is reported and, if there is any, nothing is saved. A program whose uuid exists
is redefined (its requirements are replaced); credentials are not re-checked, run
award_program_credentials for that.

JSON: a list of programs, or {"programs": [...]}; each program:
  {"uuid": optional, "title": "...", "type": "XSeries", "organizations": ["DemoX"],
   "language": "en", "state": "active" | "retired", "on_course_loss": "revoke" | "keep",
   "description": "...",
   "requirements": [["course-v1:DemoX+A+2026", "course-v1:DemoX+A+2027"],
                    {"title": "Electives", "courses": [["course-v1:DemoX+B+2026"], ["course-v1:DemoX+C+2026"]],
                     "choose": 1}]}
  A list is one required course, met by any of its runs; an object is a titled group of
  courses of which "choose" are needed (all when left out).

CSV: a header row, then one row per course of a requirement, with the columns
  program_uuid,program_title,program_type,organizations,language,state,on_course_loss,
  requirement,choose,course_runs   (optional: requirement_title, description)
  Rows of the same program (same program_uuid, else the same program_title) and the same
  requirement number form that requirement; course_runs and organizations are separated by
  spaces; the program's columns may be left empty after its first row; choose is the number
  of the requirement's courses needed (all when empty).
"""

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=argparse.RawDescriptionHelpFormatter)

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .json or .csv file.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")

    def handle(self, *args, path, dry_run=False, **options):
        try:
            definitions = program_definitions.from_file(path)
        except program_definitions.DefinitionError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(f"{len(error.errors)} problems in {path}; nothing was imported.") from error
        cause = Cause(kind=CauseKind.COMMAND, source="import_programs", reason=f"Imported from {path}.")
        saved = program_definitions.save(definitions, cause=cause, dry_run=dry_run)
        for program in saved:
            self.stdout.write(
                f'{program.uuid} "{program.title}": {len(program.requirements)} requirements, {program.state}'
            )
        prefix = "Dry run, nothing saved. Would define" if dry_run else "Defined"
        self.stdout.write(f"{prefix} {len(saved)} programs.")
