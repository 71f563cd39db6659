"""The demo's log filter: decisions that changed something, not the many that changed nothing."""

import logging


class ChangesOnly(logging.Filter):
    """Drop the decision log's "unchanged" records (``credentials_plugin.core.decision_log``)."""

    def filter(self, record):
        return getattr(record, "decision", None) != "unchanged"
