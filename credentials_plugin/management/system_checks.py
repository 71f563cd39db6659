"""
The plugin's configuration in Django's system checks (``manage.py check``, which every LMS deploy
runs): the static checks of ``health`` (settings, backend, keys, contexts, event handling), each
problem a warning whose message says how to fix it. ``credentials_health`` adds the live round trips.

Warnings, never errors: an error would stop ``migrate`` and every other command of a deploy for a
problem that only the plugin's own features suffer from. ``manage.py check --fail-level WARNING``
makes them fatal where an operator wants that (CI of a site's configuration).
"""

from django.core import checks

from credentials_plugin.management import health

# Each check with the id its warnings carry: ids are stable (operators silence them by id, with
# SILENCED_SYSTEM_CHECKS), so a new check takes a new number and a removed one leaves a gap.
CHECK_IDS = {
    health.check_settings: "credentials_plugin.W001",
    health.check_backend_setting: "credentials_plugin.W002",
    health.check_public_base_url: "credentials_plugin.W003",
    health.check_eligible_modes: "credentials_plugin.W004",
    health.check_verify_rate_limit: "credentials_plugin.W005",
    health.check_signing_key: "credentials_plugin.W006",
    health.check_keys_file_permissions: "credentials_plugin.W007",
    health.check_json_ld_contexts: "credentials_plugin.W008",
    health.check_event_handling: "credentials_plugin.W009",
    health.check_takeover: "credentials_plugin.W010",
}


def plugin_configuration(app_configs=None, **kwargs):
    """A warning for each problem the static health checks find (none when all is well)."""
    if app_configs is not None and not any(config.name == "credentials_plugin" for config in app_configs):
        return []
    warnings = []
    for check, check_id in CHECK_IDS.items():
        try:
            results = list(check())
        except Exception as error:  # noqa: BLE001 (a check that breaks must not stop every manage.py command)
            results = [health.CheckResult(check.__name__, health.FAIL, f"the check itself failed: {error!r}")]
        warnings += [
            checks.Warning(f"credentials_plugin ({result.check}): {result.message}", id=check_id)
            for result in results
            if result.status in (health.WARN, health.FAIL)
        ]
    return warnings


def register():
    """Add the plugin's checks to Django's (from ``ready()``; registering twice changes nothing)."""
    checks.register(plugin_configuration, "credentials_plugin")
