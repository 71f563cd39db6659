"""Twin of edx-platform's ``openedx/core/djangoapps/catalog/utils.py``: reading programs from the cache."""

import logging

from django.core.cache import cache

from openedx.core.djangoapps.catalog.cache import PROGRAM_CACHE_KEY_TPL, SITE_PROGRAM_UUIDS_CACHE_KEY_TPL

logger = logging.getLogger(__name__)


def get_programs(site=None, uuid=None, uuids=None, course=None, catalog_course_uuid=None, organization=None):
    """
    Mirrors ``get_programs`` for its SITE and UUID arguments (the ones that matter here): exactly one
    argument; for a site, the program uuids ``cache_programs`` stored for the site's domain, and only
    when the site has an enabled SiteConfiguration naming COURSE_CATALOG_API_URL (else no programs).
    That check was read on master; older versions read the site's uuids whatever its configuration
    (when it came in was not established), which changes nothing for the backend: both are lists.
    """
    arguments = (site, uuid, uuids, course, catalog_course_uuid, organization)
    if len([argument for argument in arguments if argument is not None]) != 1:
        raise TypeError("get_programs takes exactly one argument")
    if uuid:
        return cache.get(PROGRAM_CACHE_KEY_TPL.format(uuid=uuid))
    if site:
        site_config = getattr(site, "configuration", None)
        catalog_url = site_config.get_value("COURSE_CATALOG_API_URL") if site_config else None
        if site_config and catalog_url:
            uuids = cache.get(SITE_PROGRAM_UUIDS_CACHE_KEY_TPL.format(domain=site.domain), [])
            if not uuids:
                logger.warning(f"Failed to get program UUIDs from the cache for site {site.domain}.")
        else:
            uuids = []
    return get_programs_by_uuids(uuids or [])


def get_programs_by_uuids(uuids):
    """Mirrors ``get_programs_by_uuids``: the cached programs of UUIDS (missing ones are logged and left out)."""
    uuid_strings = [str(handle) for handle in uuids]
    programs = list(cache.get_many([PROGRAM_CACHE_KEY_TPL.format(uuid=handle) for handle in uuid_strings]).values())
    for missing in set(uuid_strings) - {program["uuid"] for program in programs}:
        logger.warning(f"Failed to get details for program {missing} from the cache.")
    return programs
