"""Certificates and verifiable credentials for Open edX, as one LMS plugin app."""

__version__ = "0.1.0"
