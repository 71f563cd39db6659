"""Check that the plugin is installed and configured soundly: each check OK, WARN or FAIL, exit code 1 on a FAIL."""

import json

from django.core.management.base import BaseCommand, CommandError

from credentials_plugin.management.health import FAIL, OK, WARN, run_checks


class Command(BaseCommand):
    help = (
        "Check the credentials plugin's settings, signing keys, JSON-LD contexts, database, LMS backend, "
        "Celery and event handling. Prints each check as OK, WARN or FAIL; exits with 1 when any check fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the results as a JSON list.")

    def handle(self, *args, as_json=False, **options):
        results = run_checks()
        if as_json:
            self.stdout.write(json.dumps([result.as_dict() for result in results], indent=2))
        else:
            styles = {OK: self.style.SUCCESS, WARN: self.style.WARNING, FAIL: self.style.ERROR}
            for result in results:
                self.stdout.write(f"{styles[result.status](result.status.ljust(4))} {result.check}: {result.message}")
        failed = sum(result.status == FAIL for result in results)
        if failed:
            raise CommandError(f"{failed} check(s) failed.", returncode=1)
