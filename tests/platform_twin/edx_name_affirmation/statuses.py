"""Twin of edx-name-affirmation's ``edx_name_affirmation/statuses.py``."""

# ruff: noqa: UP042 (the platform's model, as it is)

from enum import Enum


class VerifiedNameStatus(str, Enum):
    """Mirrors ``VerifiedNameStatus``: pending, then submitted, then approved or denied."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DENIED = "denied"
