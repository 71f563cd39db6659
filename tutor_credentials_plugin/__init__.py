"""
The Tutor plugin of credentials_plugin: installs the package into the Open edX image, sets its
settings, creates the signing key in the LMS init job and, when asked, runs an event-bus consumer.

``patches`` holds what the plugin adds (plain data, testable without Tutor); ``plugin`` hands it to
Tutor's hooks (entry point ``tutor.plugin.v1``: ``credentials_plugin``).
"""
