"""Move the engagement counters from the cache to the database."""

from django.core.management.base import BaseCommand

from credentials_plugin.engagement import counting


class Command(BaseCommand):
    help = (
        "Move the page-view, share, download and verification counters kept in the cache into the "
        "database (per certificate per day). Run it every few minutes (cron), or schedule the Celery "
        "task credentials_plugin.flush_engagement_counts instead. Counters live in the cache for "
        f"{counting.KEPT_DAYS} days: a flush at least daily loses none."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Moved {counting.flush()} counts to the database.")
