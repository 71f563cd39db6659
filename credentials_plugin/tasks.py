"""Celery tasks. They run on the LMS's workers when a broker is configured, at once otherwise."""

from celery import shared_task
from django.conf import settings

from credentials_plugin import bulk
from credentials_plugin.models import BulkRun
from credentials_plugin.vc import issuing


@shared_task(name="credentials_plugin.run_bulk", ignore_result=True, acks_late=True)
def run_bulk(run_id):
    """Carry out one recorded bulk run."""
    bulk.execute(run_id)


def enqueue_bulk_run(run_id):
    """Queue the run on the workers; without a broker (the demo, tests) run it in this process."""
    if not getattr(settings, "CELERY_BROKER_URL", "") or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        bulk.execute(run_id)
        return
    result = run_bulk.apply_async(args=[run_id])
    BulkRun.objects.filter(pk=run_id).update(task_id=result.id or "")


@shared_task(name="credentials_plugin.sign_pending_credentials", ignore_result=True, acks_late=True)
def sign_pending_credentials():
    """Re-sign the verifiable credentials a regenerate marked (each is also re-signed on its next request)."""
    issuing.sign_pending()


def enqueue_signing():
    """
    Queue the re-signing on the workers. Without a broker (or when tasks run eagerly) nothing is
    queued: credentials are re-signed lazily on request, so a bulk regenerate keeps its speed.
    """
    if getattr(settings, "CELERY_BROKER_URL", "") and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        sign_pending_credentials.apply_async()
