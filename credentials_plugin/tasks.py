"""
Celery tasks. They run on the LMS's workers when a broker is configured, at once otherwise.
The domain core asks for them by job name (``core.hooks.run_in_background``); ``submit``,
connected in ``CredentialsPluginConfig.ready()``, answers.
"""

import logging
import os
import threading
import time

from celery import shared_task
from django.conf import settings

from credentials_plugin.certificates import bulk
from credentials_plugin.core.limits import DELIVERY_COALESCING_SECONDS
from credentials_plugin.engagement import counting
from credentials_plugin.models import BulkRun
from credentials_plugin.notifications import outbox
from credentials_plugin.vc import signing, signing_ahead

log = logging.getLogger(__name__)


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
    """Sign the credential of one newly awarded certificate or program credential."""
    signing.sign_now(model_name, pk)


@shared_task(name="credentials_plugin.sign_new_credentials", ignore_result=True, acks_late=True)
def sign_new_credentials(model_name, from_pk):
    """
    Sign the credentials of the awarded holders from FROM_PK on that have none (one task per process
    and coalescing window); past its limit, queue another task for the rest.
    """
    continue_from = signing_ahead.sign_from(model_name, from_pk)
    if continue_from is not None:
        sign_new_credentials.apply_async(args=[model_name, continue_from])


def enqueue_signing():
    """
    Queue the re-signing on the workers. Without workers nothing is queued: credentials are
    re-signed lazily on request, so a bulk regenerate keeps its speed.
    """
    if _has_workers():
        sign_pending_credentials.apply_async()


class CoalescedPublisher:
    """
    Publishes TASK at most once per WINDOW seconds in this process, with a countdown of WINDOW, for
    a task that does the work of every request of its window (it reads what to do from the
    database). The first request of a window publishes; the others compare two monotonic clock
    readings and publish nothing. A publish that fails reopens the window: the next request tries again.
    """

    def __init__(self, task, window=DELIVERY_COALESCING_SECONDS):
        self.task, self.window = task, window
        self.clock = time.monotonic
        self._closes_at = None
        self._lock = threading.Lock()

    def request(self, *arguments) -> bool:
        """Publish TASK(*ARGUMENTS) unless this window's task is published already; True when published."""
        now = self.clock()
        with self._lock:
            if self._closes_at is not None and now < self._closes_at:
                return False
            self._closes_at = now + self.window
        try:
            self.task.apply_async(args=arguments, countdown=self.window)
        except BaseException:
            self.reopen()
            raise
        return True

    def reopen(self):
        """Forget the open window: the next request publishes (a failed publish; tests)."""
        with self._lock:
            self._closes_at = None


class SigningAhead:
    """
    This process's requests to sign new awards, coalesced: the first award of a window publishes
    ``sign_new_credentials(model, its key)`` with a countdown of the window; a later award of the
    window with a larger key is covered by that task and publishes nothing; one with a smaller key
    (an older row awarded again) publishes ``sign_credential`` for itself.
    """

    def __init__(self, window=DELIVERY_COALESCING_SECONDS):
        self.window = window
        self.clock = time.monotonic
        self._open = {}  # model name -> (the window's end, its first key)
        self._lock = threading.Lock()

    def request(self, model_name, pk) -> str:
        """Publish what signs PK's credential unless this window's task covers it; says what was done."""
        now = self.clock()
        with self._lock:
            closes_at, from_pk = self._open.get(model_name, (None, None))
            covered = closes_at is not None and now < closes_at
            if covered and pk >= from_pk:
                return "covered"
            if not covered:
                self._open[model_name] = (now + self.window, pk)
        if covered:
            sign_credential.apply_async(args=[model_name, pk])
            return "one"
        try:
            sign_new_credentials.apply_async(args=[model_name, pk], countdown=self.window)
        except BaseException:
            self.reopen()
            raise
        return "window"

    def reopen(self):
        """Forget the open windows: the next request publishes (a failed publish; tests)."""
        with self._lock:
            self._open.clear()


#: This process's requests to sign new awards ahead, coalesced per window.
signing_ahead_requests = SigningAhead()


def enqueue_signing_of(model_name, pk):
    """
    Have a newly awarded credential signed on the workers (coalesced); without workers, on first
    request. A publish that fails is logged, not raised: the credential is signed on its first request.
    """
    if _has_workers():
        try:
            signing_ahead_requests.request(model_name, pk)
        except Exception:
            log.warning(
                "Could not ask the workers to sign %s %s; it is signed on request.", model_name, pk, exc_info=True
            )


def _has_workers():
    """A broker is configured and tasks are not run eagerly (in the request that asks for them)."""
    return bool(getattr(settings, "CELERY_BROKER_URL", "")) and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


@shared_task(name="credentials_plugin.send_pending_learner_messages", ignore_result=True)
def send_pending_learner_messages():
    """Send every learner message waiting to be sent at once (one task per process and coalescing window)."""
    outbox.send_waiting()


@shared_task(name="credentials_plugin.send_stale_learner_messages", ignore_result=True)
def send_stale_learner_messages():
    """Periodic (celery beat, every few minutes): send the messages left waiting for more than a minute."""
    outbox.send_stale()


#: This process's requests to send learner messages, coalesced into one task per window.
message_delivery = CoalescedPublisher(send_pending_learner_messages)


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
    """
    After the commit of a change that queued a message: with workers, request delivery (at most
    one task per process and window sends every waiting message); without, send it at once, here.
    """
    if _has_workers():
        try:
            message_delivery.request()
        except Exception:  # the message waits in the outbox: the sweeper sends it
            log.warning("Could not ask the workers to send learner messages; the sweeper will.", exc_info=True)
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


def _after_fork_in_child():
    """A forked process (a preforking server's or Celery's worker) starts with no open window and a fresh lock."""
    for publisher in (message_delivery, signing_ahead_requests):
        publisher._lock = threading.Lock()
        publisher.reopen()


os.register_at_fork(after_in_child=_after_fork_in_child)
