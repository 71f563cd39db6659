"""
Structured logs of issuance decisions: one INFO record on the ``credentials_plugin.decisions`` logger
each time the domain core decides about a learner's certificate or program credential.

Each record carries its fields as attributes (``extra``), for JSON log formatters and log search:
``decision`` ("created", "changed", "unchanged"), ``user_id``, ``course_key`` or ``program_uuid``,
``old_status``, ``new_status``, ``decision_reason``, ``cause_kind``, ``event_id``, ``actor_id``,
``dry_run``. Only ids and statuses: never a learner's name or email (the audit trail keeps the rest).
"""

import logging

log = logging.getLogger("credentials_plugin.decisions")

CREATED, CHANGED, UNCHANGED = "created", "changed", "unchanged"


def log_decision(*, subject, user_id, old_status, new_status, changed, reason, cause, dry_run=False):
    """
    Log one decision. SUBJECT names what was decided about: ``{"course_key": ...}`` or
    ``{"program_uuid": ...}``; REASON is the rule's reason (staff's own words are not logged).
    """
    decision = UNCHANGED if not changed else CREATED if old_status is None and new_status else CHANGED
    fields = {
        "decision": decision,
        "user_id": user_id,
        **{name: str(value) for name, value in subject.items()},
        "old_status": old_status or "",
        "new_status": new_status or "",
        "decision_reason": reason,
        "cause_kind": cause.kind,
        "event_id": cause.event_id,
        "actor_id": cause.actor_id,
        "dry_run": dry_run,
    }
    (what,) = subject.values()
    log.info(
        "%s%s for user %s in %s: %s -> %s (%s; cause: %s%s)",
        "[dry run] " if dry_run else "",
        decision.capitalize(),
        user_id,
        what,
        old_status or "none",
        new_status or "none",
        reason,
        cause.kind,
        f" {cause.event_id}" if cause.event_id else "",
        extra=fields,
    )
