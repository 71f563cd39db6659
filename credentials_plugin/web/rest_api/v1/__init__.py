"""
Version 1 of the REST API: certificates, course configuration, allowlist, bulk runs, history
and a learner's own certificates. Its OpenAPI 3 schema is served at ``schema/``.
"""
