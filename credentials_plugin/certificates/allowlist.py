"""
Allowlist uploads: a CSV of learners (username or email, notes), checked whole before any
change, then applied all together or not at all.
"""

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from credentials_plugin.certificates import issuance
from credentials_plugin.certificates.queries import find_learners
from credentials_plugin.core.limits import MAX_CSV_ROWS as MAX_ROWS
from credentials_plugin.core.limits import has_control_characters, notes_problem

HEADER_NAMES = {"username", "email", "user", "learner", "username_or_email", "identifier"}


@dataclass(frozen=True)
class AllowlistRow:
    line: int
    identifier: str
    user_id: int
    notes: str


@dataclass(frozen=True)
class RowError:
    line: int
    identifier: str
    message: str

    def __str__(self):
        return _("line %(line)s (%(identifier)s): %(message)s") % {
            "line": self.line,
            "identifier": self.identifier or _("empty"),
            "message": self.message,
        }


def outside_course_warning(name):
    """What staff are told after allowlisting NAME, who is not a learner of the course (global staff only)."""
    return (
        _(
            "%s is not enrolled in this course and has no history in it. They were added because you are global "
            "staff; they get a certificate only once they are enrolled and meet the course's other requirements."
        )
        % name
    )


def parse_csv(content, course_key):
    """
    Rows and every bad row's error, from CSV bytes or text; no change is made. Only learners of
    COURSE_KEY are found (``queries.find_learner``'s rule): anyone else is "no learner".
    """
    lines, problem = _records(content)
    if problem:
        return [], [problem]
    if lines and lines[0][1][0].strip().lower() in HEADER_NAMES:
        lines = lines[1:]
    if len(lines) > MAX_ROWS:
        message = _("At most %(max)s rows per file; this one has %(count)s.") % {"max": MAX_ROWS, "count": len(lines)}
        return [], [RowError(0, "", message)]
    users = find_learners([row[0].strip() for _, row in lines], course_key)
    rows, errors, seen = [], [], set()
    for number, row in lines:
        identifier, notes = row[0].strip(), ",".join(row[1:]).strip()
        user_id = users.get(identifier.lower())
        message = _row_problem(identifier, notes, user_id, seen)
        if message:
            errors.append(RowError(number, "" if has_control_characters(identifier) else identifier, message))
        else:
            seen.add(user_id)
            rows.append(AllowlistRow(number, identifier, user_id, notes))
    return rows, errors


def _records(content):
    """The non-empty records of CONTENT with their numbers, or the RowError that stops reading it."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], RowError(0, "", _("The file is not UTF-8 text."))
    lines, number = [], 0
    try:
        for number, row in enumerate(csv.reader(io.StringIO(content)), start=1):
            if any(row):
                lines.append((number, row))
    except csv.Error as error:  # an unterminated quote, a field over the csv module's 131,072 characters…
        message = _("This line cannot be read as CSV (%(error)s); nothing was changed.") % {"error": error}
        return [], RowError(number + 1, "", message)
    return lines, None


def _row_problem(identifier, notes, user_id, seen):
    """Why a row cannot be applied (empty when it can)."""
    if not identifier:
        return _("No username or email.")
    if has_control_characters(identifier):
        return _("The line holds control characters (such as NUL).")
    if user_id is None:
        return _("No learner has this username or email.")
    if user_id in seen:
        return _("This learner is already on an earlier line.")
    return notes_problem(notes)  # the core's own rule for notes


def apply_rows(rows, course_key, *, cause):
    """Allowlist every row in one transaction: all of them, or none if any fails."""
    with transaction.atomic():
        return [issuance.add_to_allowlist(row.user_id, course_key, notes=row.notes, cause=cause) for row in rows]
