"""Twin of edx-platform's ``openedx/core/djangoapps/catalog/cache.py`` (the keys ``cache_programs`` writes)."""

PROGRAM_CACHE_KEY_TPL = "program-{uuid}"
SITE_PROGRAM_UUIDS_CACHE_KEY_TPL = "program-uuids-{domain}"
