"""
Read-side queries of the staff pages, the REST API and the export command: one place for
searching, filtering, sorting and counting a course's certificates and its history.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from credentials_plugin.backends import get_backend
from credentials_plugin.core.limits import MAX_LEARNER_IDENTIFIER, MAX_USER_ID
from credentials_plugin.models import (
    AllowlistEntry,
    AuditRecord,
    BulkRun,
    CourseCertificate,
    CourseConfiguration,
    LearnerCourseFacts,
)
from credentials_plugin.statuses import CertificateStatus

#: Sort keys accepted from users, and the columns they sort by ("-key" sorts descending).
CERTIFICATE_ORDERINGS = {
    "issued": ("issued_at", "id"),
    "name": ("learner_name", "id"),
    "username": ("user__username", "id"),
    "status": ("status", "id"),
    "mode": ("mode", "id"),
    "grade": ("percent_grade", "id"),
}
DEFAULT_ORDERING = "-issued"
EXPORT_COLUMNS = (
    "certificate_id",
    "username",
    "email",
    "name",
    "status",
    "mode",
    "grade",
    "issued_at",
    "revoked_at",
    "revocation_reason",
    "public_url",
)


def certificates(course_key, *, search="", status="", mode="", ordering=DEFAULT_ORDERING):
    """The course's certificates, searched by username, email or certified name, filtered and sorted."""
    rows = CourseCertificate.objects.filter(course_key=course_key).select_related("user")
    if search:
        rows = rows.filter(
            Q(user__username__icontains=search) | Q(user__email__icontains=search) | Q(learner_name__icontains=search)
        )
    if status:
        rows = rows.filter(status=status)
    if mode:
        rows = rows.filter(mode=mode)
    return rows.order_by(*_ordering(ordering))


def _ordering(ordering):
    descending = ordering.startswith("-")
    columns = CERTIFICATE_ORDERINGS.get(ordering.lstrip("-"))
    if columns is None:
        return _ordering(DEFAULT_ORDERING)
    return [f"-{column}" if descending else column for column in columns]


def status_counts(course_key):
    """Certificates of the course by status (every status present, zero when none)."""
    counts = dict.fromkeys(CertificateStatus.values, 0)
    rows = CourseCertificate.objects.filter(course_key=course_key).values("status").annotate(n=Count("id"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def history(course_key, *, user=None, actor=None, action=""):
    """The course's audit trail, newest first, filtered by learner, actor and kind of change."""
    rows = AuditRecord.objects.filter(course_key=course_key).select_related("user", "actor")
    if user is not None:
        rows = rows.filter(user=user)
    if actor is not None:
        rows = rows.filter(actor=actor)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("-created", "-id")


def allowlist(course_key):
    return AllowlistEntry.objects.filter(course_key=course_key).select_related("user", "added_by").order_by("-id")


def bulk_runs(course_key):
    return BulkRun.objects.filter(course_key=course_key).select_related("requested_by")


def find_learner(identifier, course_key=None, *, anyone=False):
    """
    The learner of COURSE_KEY with this username, email or numeric id, or None.

    The one rule for who may be found: course staff (the staff pages, the REST API) find only
    the learners of their course (see ``course_learner_ids``), and a stranger is None just as a
    name nobody has, so that a course's staff cannot read other people's details nor learn who
    has an account. Operators' commands pass ``anyone=True`` to find any account.
    """
    if course_key is None and not anyone:
        raise TypeError("find_learner needs the course whose learner to find (or anyone=True).")
    user = _user(identifier)
    if user is None or anyone:
        return user
    return user if course_learner_ids(course_key, [user.pk]) else None


def find_learner_to_allowlist(identifier, course_key, *, anyone_by_username):
    """
    ``(user, outside_course)``: the account to allowlist in COURSE_KEY, found as ``find_learner``
    finds it; with ANYONE_BY_USERNAME (``permissions.may_allowlist_outside_course``) also an account
    outside the course, but only by its exact username (never an email or an id, so nobody walks the
    accounts), and then OUTSIDE_COURSE is True.
    """
    identifier = (identifier or "").strip()
    user = _user(identifier)
    if user is None:
        return None, False
    if course_learner_ids(course_key, [user.pk]):
        return user, False
    if anyone_by_username and user.username == identifier:
        return user, True
    return None, False


def find_learners(identifiers, course_key):
    """``{identifier lowercased: user id}`` of the learners of COURSE_KEY among usernames and emails."""
    wanted = {identifier for identifier in identifiers if identifier}
    users = get_user_model().objects
    found = {}
    for user_id, username in users.filter(username__in=wanted).values_list("id", "username"):
        found[username.lower()] = user_id
    emails = {identifier for identifier in wanted if "@" in identifier}
    for user_id, email in users.filter(email__in=emails).values_list("id", "email"):
        found.setdefault(email.lower(), user_id)
    learners = course_learner_ids(course_key, set(found.values()))
    return {identifier: user_id for identifier, user_id in found.items() if user_id in learners}


def course_exists(course_key, course_info=None):
    """
    The one rule for a course the staff pages and the API act on: the LMS knows it (COURSE_INFO,
    when the caller has read it already), or it is configured or holds certificates here.
    """
    known = course_info if course_info is not None else get_backend().get_course(course_key)
    return (
        known is not None
        or CourseConfiguration.objects.filter(course_key=course_key).exists()
        or CourseCertificate.objects.filter(course_key=course_key).exists()
    )


def course_learner_ids(course_key, user_ids):
    """
    Which of USER_IDS are learners of the course: enrolled in it (the backend says so, active or
    not), or with facts, a certificate, an allowlist entry or history in it.
    """
    remaining = set(user_ids)
    learners = set()
    for model, column in (
        (LearnerCourseFacts, "user_id"),
        (CourseCertificate, "user_id"),
        (AllowlistEntry, "user_id"),
        (AuditRecord, "user_id"),
    ):
        if remaining:
            rows = model.objects.filter(course_key=course_key, **{f"{column}__in": remaining})
            tied = set(rows.values_list(column, flat=True).distinct())
            learners |= tied
            remaining -= tied
    backend = get_backend()
    learners |= {user_id for user_id in remaining if backend.get_enrollment(user_id, course_key) is not None}
    return learners


def find_actor(identifier, course_key):
    """
    Someone who changed something in the course (the history's "changed by"), by username, email or
    id, or None: nobody else is found, so that the filter tells nothing about other accounts.
    """
    user = _user(identifier)
    if user is None or not AuditRecord.objects.filter(course_key=course_key, actor=user).exists():
        return None
    return user


def _user(identifier):
    """Any account with this username, email or numeric id, or None (odd input included)."""
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > MAX_LEARNER_IDENTIFIER:
        return None
    users = get_user_model().objects
    if identifier.isascii() and identifier.isdigit():
        user_id = int(identifier)
        return users.filter(pk=user_id).first() if 1 <= user_id <= MAX_USER_ID else None
    field = "email__iexact" if "@" in identifier else "username"
    return users.filter(**{field: identifier}).first()


#: Cells a spreadsheet would run as a formula: exported with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """VALUE as text a spreadsheet shows rather than runs (CSV injection)."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_rows(rows, public_url):
    """CSV rows (header first) of a certificate queryset, spreadsheet-safe, streamed in bounded memory."""
    yield EXPORT_COLUMNS
    for certificate in rows.iterator(chunk_size=2000):
        yield tuple(map(spreadsheet_safe, _export_cells(certificate, public_url)))


def _export_cells(certificate, public_url):
    return (
        str(certificate.uuid),
        certificate.user.username,
        certificate.user.email,
        certificate.learner_name,
        certificate.status,
        certificate.mode,
        "" if certificate.percent_grade is None else str(certificate.percent_grade),
        certificate.issued_at.isoformat(),
        certificate.revoked_at.isoformat() if certificate.revoked_at else "",
        certificate.revocation_reason,
        public_url(certificate.uuid),
    )
