"""
Celery tasks. They run on the LMS's workers when a broker is configured, at once otherwise.
The domain core asks for them by job name (``core.hooks.run_in_background``); ``submit``,
connected in ``CredentialsPluginConfig.ready()``, answers.
"""

from celery import shared_task
from django.conf import settings

from credentials_plugin.certificates import bulk
from credentials_plugin.engagement import counting
from credentials_plugin.models import BulkRun
from credentials_plugin.notifications import outbox
from credentials_plugin.vc import signing


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
    signing.sign_pending()


@shared_task(name="credentials_plugin.sign_credential", ignore_result=True, acks_late=True)
def sign_credential(model_name, pk):
    """Sign the credential of a newly awarded certificate or program credential."""
    signing.sign_now(model_name, pk)


def enqueue_signing():
    """
    Queue the re-signing on the workers. Without workers nothing is queued: credentials are
    re-signed lazily on request, so a bulk regenerate keeps its speed.
    """
    if _has_workers():
        sign_pending_credentials.apply_async()


def enqueue_signing_of(model_name, pk):
    """Queue the signing of one newly awarded credential; without workers it is signed on first request."""
    if _has_workers():
        sign_credential.apply_async(args=[model_name, pk])


def _has_workers():
    """A broker is configured and tasks are not run eagerly (in the request that asks for them)."""
    return bool(getattr(settings, "CELERY_BROKER_URL", "")) and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


@shared_task(name="credentials_plugin.send_learner_message", ignore_result=True)
def send_learner_message(kind, certificate_id, program_credential_id, change_key):
    """Send one queued learner message (claimed first: a retry or a second worker sends nothing)."""
    outbox.send_message(kind, certificate_id, program_credential_id, change_key)


@shared_task(name="credentials_plugin.send_run_messages", ignore_result=True)
def send_run_messages(source):
    """Send the messages a bulk run queued, in batches."""
    outbox.send_run_messages(source)


@shared_task(name="credentials_plugin.send_expiry_notices", ignore_result=True)
def send_expiry_notices():
    """Periodic (celery beat, daily): queue and send the "expires in 30 days" and "expired" messages."""
    outbox.queue_expiry_notices()
    outbox.send_pending(source="expiry")


@shared_task(name="credentials_plugin.flush_engagement_counts", ignore_result=True)
def flush_engagement_counts():
    """Periodic (celery beat, every few minutes): move the cache's engagement counters to the database."""
    counting.flush()


def enqueue_learner_message(kind, certificate_id, program_credential_id, change_key):
    """Queue the sending on the workers; without a broker, send it in this process (after the commit)."""
    if _has_workers():
        send_learner_message.apply_async(args=[kind, certificate_id, program_credential_id, change_key])
    else:
        outbox.send_message(kind, certificate_id, program_credential_id, change_key)


def enqueue_run_messages(source):
    if _has_workers():
        send_run_messages.apply_async(args=[source])
    else:
        outbox.send_run_messages(source)


#: The jobs the domain core may ask for, by name, and how each is handed to the workers.
JOBS = {
    "bulk_run": enqueue_bulk_run,
    "sign": enqueue_signing_of,
    "sign_pending": enqueue_signing,
    "send_message": enqueue_learner_message,
    "send_run_messages": enqueue_run_messages,
}


def submit(*, job, arguments):
    """``hooks.background_work_requested``: hand one job to the workers."""
    JOBS[job](*arguments)
