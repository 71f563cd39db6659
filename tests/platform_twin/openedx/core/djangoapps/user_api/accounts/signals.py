"""Twin of edx-platform's ``openedx/core/djangoapps/user_api/accounts/signals.py``: the retirement signals."""

from django.dispatch import Signal

# Mirrors USER_RETIRE_MAILINGS: providing_args=["user"]
USER_RETIRE_MAILINGS = Signal()

# Mirrors USER_RETIRE_LMS_CRITICAL: providing_args=["user"]; newer versions also send retired_username and
# retired_email (a receiver must accept both forms).
USER_RETIRE_LMS_CRITICAL = Signal()

# Mirrors USER_RETIRE_LMS_MISC: providing_args=["user"]
USER_RETIRE_LMS_MISC = Signal()
