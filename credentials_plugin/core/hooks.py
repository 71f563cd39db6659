"""
How the domain core tells the layers above it what happened, and hands work to the workers,
without importing them: each hook is a list of receivers that those layers connect in
``CredentialsPluginConfig.ready()``. Receivers run in order, synchronously, inside the caller's
transaction, so what they write commits or rolls back with the change that called them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


class Hook:
    """A named list of receivers, each called with the hook's keyword arguments."""

    def __init__(self, name: str):
        self.name = name
        self._receivers: list[Callable] = []

    def connect(self, receiver: Callable) -> None:
        """Add RECEIVER once (connecting it again, as a second ``ready()`` would, changes nothing)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)

    def disconnect(self, receiver: Callable) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable, ...]:
        return tuple(self._receivers)

    def send(self, **arguments) -> None:
        for receiver in tuple(self._receivers):
            receiver(**arguments)

    def __repr__(self):
        return f"<Hook {self.name}: {len(self._receivers)} receivers>"


#: A course certificate's status changed: ``certificate``, ``old_status`` (None when created),
#: ``learner`` (or None) and ``cause`` (or None). Signing, programs and learner messages connect here.
certificate_status_changed = Hook("certificate_status_changed")

#: A program credential's status changed: ``credential``, ``old_status`` (None when created) and
#: ``cause``. Learner messages connect here.
program_credential_status_changed = Hook("program_credential_status_changed")

#: The data of awarded certificates changed without a status change (a regenerate):
#: ``certificate_ids`` and ``certificate_uuids`` (of the same certificates), both always sent: a
#: receiver reads neither again. Signing connects here
#: to re-sign their credentials.
certificate_data_changed = Hook("certificate_data_changed")

#: Work for the workers: ``job`` (a name of ``credentials_plugin.tasks.JOBS``) and ``arguments``
#: (a tuple). The tasks module connects here; it queues the job on Celery, or runs it at once,
#: or leaves it for the first request, as each job's rule says.
background_work_requested = Hook("background_work_requested")


def run_in_background(job: str, *arguments) -> None:
    """Hand JOB to the workers (see ``background_work_requested``); refused when nobody would run it."""
    if not background_work_requested.receivers:
        raise RuntimeError(f"No receiver runs background work ({job!r} would be lost): the app's ready() has not run.")
    background_work_requested.send(job=job, arguments=arguments)


def after_commit(function: Callable, *arguments) -> None:
    """
    Call FUNCTION(*ARGUMENTS) once the current transaction commits (at once outside one). If it
    raises, Django logs the error and still runs the other callbacks: ``robust`` names the callback
    by its ``__qualname__``, which a ``functools.partial`` lacks, so the call is wrapped in a function.
    """

    def call():
        function(*arguments)

    call.__qualname__ = getattr(function, "__qualname__", repr(function))
    transaction.on_commit(call, robust=True)
