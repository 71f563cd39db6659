"""How the LMS reaches the plugin: openedx-events receivers and retirement signals."""
