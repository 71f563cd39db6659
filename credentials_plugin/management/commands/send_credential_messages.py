"""Queue the expiry messages that are due, and send every learner message still waiting."""

from django.core.management.base import BaseCommand

from credentials_plugin.core.limits import MESSAGE_BATCH_SIZE
from credentials_plugin.notifications import outbox


class Command(BaseCommand):
    help = (
        'Queue the "expires in 30 days" and "expired" messages that are due (each once per certificate '
        "and expiry date), then send the learner messages still waiting, in batches. Run it daily (cron), "
        "or schedule the Celery task credentials_plugin.send_expiry_notices instead. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=MESSAGE_BATCH_SIZE, help="Messages per batch.")
        parser.add_argument("--no-expiry", action="store_true", help="Only send what is waiting; queue nothing.")

    def handle(self, *args, batch_size=MESSAGE_BATCH_SIZE, no_expiry=False, **options):
        queued = 0 if no_expiry else outbox.queue_expiry_notices()
        handled = outbox.send_pending(
            batch_size=max(1, batch_size), progress=lambda done: self.stdout.write(f"{done} messages handled...")
        )
        self.stdout.write(f"Queued {queued} expiry messages; handled {handled} waiting messages.")
