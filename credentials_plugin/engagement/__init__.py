"""Engagement counts: how often each certificate is viewed, shared, downloaded and verified, per day, never by whom."""
