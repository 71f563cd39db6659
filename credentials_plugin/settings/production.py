"""Production settings: take ``CREDENTIALS_PLUGIN_*`` values from the LMS's YAML tokens."""

from credentials_plugin.conf import PREFIX


def plugin_settings(settings):
    """Copy every CREDENTIALS_PLUGIN_* key of ENV_TOKENS / AUTH_TOKENS (older LMS releases)."""
    for tokens_name in ("ENV_TOKENS", "AUTH_TOKENS"):
        tokens = getattr(settings, tokens_name, None) or {}
        for key, value in tokens.items():
            if key.startswith(PREFIX):
                setattr(settings, key, value)
