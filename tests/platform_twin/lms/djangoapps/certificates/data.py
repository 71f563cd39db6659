"""Twin of edx-platform's ``lms/djangoapps/certificates/data.py``: the certificate statuses."""


class CertificateStatuses:
    """
    Mirrors ``CertificateStatuses`` (the strings stored in ``GeneratedCertificate.status``) and its
    ``is_passing_status``: only ``downloadable`` and ``generating`` count as passed.
    """

    deleted = "deleted"
    deleting = "deleting"
    downloadable = "downloadable"
    error = "error"
    generating = "generating"
    notpassing = "notpassing"
    restricted = "restricted"
    unavailable = "unavailable"
    auditing = "auditing"
    audit_passing = "audit_passing"
    audit_notpassing = "audit_notpassing"
    honor_passing = "honor_passing"
    unverified = "unverified"
    invalidated = "invalidated"
    requesting = "requesting"

    PASSED_STATUSES = (downloadable, generating)

    @classmethod
    def is_passing_status(cls, status):
        return status in cls.PASSED_STATUSES
