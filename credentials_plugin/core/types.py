"""
Types every domain package shares: who a change is for (``Learner``), what asked for it
(``Cause``), and the errors the domain core refuses a request with. It imports nothing of the
package but the status vocabulary, so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from credentials_plugin.statuses import CauseKind


class IssuanceError(Exception):
    """A request the core refuses; nothing was changed."""


class UnknownLearner(IssuanceError):
    pass


class CertificateNotFound(IssuanceError):
    pass


class ProgramNotFound(IssuanceError):
    pass


class ProgramCredentialNotFound(IssuanceError):
    pass


@dataclass(frozen=True)
class Learner:
    """Who the change is for, with what the event told us of them (saves a query)."""

    user_id: int
    username: str = ""
    email: str = ""
    name: str = ""
    is_active: bool = True

    @classmethod
    def from_user_data(cls, user_data):
        """From openedx-events' UserData."""
        pii = getattr(user_data, "pii", None)
        return cls(
            user_id=user_data.id,
            username=getattr(pii, "username", "") or "",
            email=getattr(pii, "email", "") or "",
            name=getattr(pii, "name", "") or "",
            is_active=user_data.is_active,
        )


#: The source of a bulk run's changes (``Cause.source``) starts with this, then the run's id.
BULK_RUN_SOURCE_PREFIX = "bulk_run:"


def bulk_run_source(run_id):
    """The ``Cause.source`` of bulk run RUN_ID's changes (its learner messages are found by it)."""
    return f"{BULK_RUN_SOURCE_PREFIX}{run_id}"


@dataclass(frozen=True)
class Cause:
    """What asked for a change: recorded with it in the audit trail."""

    kind: str
    event_id: str = ""
    actor_id: int | None = None
    source: str = ""
    reason: str = ""
    # A bulk run or a command tells learners of its changes only when staff asked for it on that run.
    notify_learners: bool = False

    @property
    def is_bulk_run(self):
        return self.source.startswith(BULK_RUN_SOURCE_PREFIX)

    @classmethod
    def from_event(cls, metadata):
        return cls(kind=CauseKind.EVENT, event_id=str(metadata.id), source=metadata.event_type)
