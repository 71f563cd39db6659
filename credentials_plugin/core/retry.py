"""Transactions that survive a database deadlock: the one retry policy of the plugin."""

import logging
import time

from django.db import DatabaseError, OperationalError, connection, transaction

from credentials_plugin.conf import plugin_settings

log = logging.getLogger(__name__)


def _is_retryable(error):
    if connection.vendor == "mysql":
        return bool(error.args) and error.args[0] in (1205, 1213)  # lock wait timeout, deadlock
    return "locked" in str(error)


def in_transaction(work):
    """Run WORK in a transaction, retrying a deadlock when this call owns the transaction."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return work()
    attempts = plugin_settings.DEADLOCK_RETRIES + 1
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if attempt == attempts or not _is_retryable(error):
                raise
            log.warning("Retrying after a database lock conflict (attempt %d): %s", attempt, error)
            time.sleep(0.05 * attempt)
    raise DatabaseError("unreachable")  # pragma: no cover
