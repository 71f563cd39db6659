"""
Taking over the program credentials the `credentials` service holds: reading its credentials
(the shape of its REST API, ``GET /api/v2/credentials/``) and importing them one by one through
``awarding.import_credential``.

One credential of the service, as its API serializes it (``UserCredentialSerializer`` of
openedx/credentials, credentials/apps/api/v2/serializers.py)::

    {"username": "amara", "status": "awarded" | "revoked", "uuid": "…",
     "credential": {"type": "program", "credential_id": 3, "program_uuid": "…"},
     "attributes": [{"name": "visible_date", "value": "2024-05-01T00:00:00Z"}],
     "date_override": null, "created": "…", "modified": "…", "certificate_url": "…"}

Course-run credentials (``"type": "course-run"``) are the LMS's certificates, imported from the
LMS: they are skipped here. The rule for bad rows (docs/takeover-programs.md): every row is
checked first, and one unknown program or learner, or one malformed row, stops the import before
anything is saved, unless the operator asks to skip the invalid rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from credentials_plugin.core.limits import MAX_DATETIME_TEXT, MAX_LEARNER_IDENTIFIER, has_control_characters
from credentials_plugin.core.types import Cause
from credentials_plugin.models import Program, ProgramCredential
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import ProgramCredentialStatus

#: The service's credential types (CredentialField.to_representation): ours, and the LMS's.
PROGRAM_TYPE = "program"
COURSE_RUN_TYPE = "course-run"
#: The attribute the LMS sends with each program credential (programs/tasks.py, award_program_certificate).
VISIBLE_DATE = "visible_date"
STATUSES = (ProgramCredentialStatus.AWARDED, ProgramCredentialStatus.REVOKED)


class RowProblem(ValueError):
    """A row that cannot be imported, and why."""


@dataclass(frozen=True)
class ServiceCredential:
    """One program credential of the service, checked: where it was read, and what it says."""

    where: str
    uuid: UUID
    username: str
    program_uuid: UUID
    status: str
    issued_at: datetime
    modified: datetime


@dataclass(frozen=True)
class CheckedRow:
    """A credential ready to import (learner and program found), or the problem that stops it."""

    credential: ServiceCredential | None
    user_id: int | None = None
    program_id: int | None = None
    problem: str = ""


def parse_row(row, where) -> ServiceCredential | None:
    """The program credential in ROW (one item of a page's ``results``), None for a course-run one."""
    if not isinstance(row, dict):
        raise RowProblem(f"{where}: not a credential (a JSON object).")
    credential = row.get("credential")
    if not isinstance(credential, dict):
        raise RowProblem(f'{where}: no "credential" object.')
    kind = credential.get("type")
    if kind == COURSE_RUN_TYPE:
        return None
    if kind != PROGRAM_TYPE:
        raise RowProblem(f'{where}: credential type {_shown(kind)} is neither "program" nor "course-run".')
    username = row.get("username")
    if (
        not isinstance(username, str)
        or not username
        or len(username) > MAX_LEARNER_IDENTIFIER
        or has_control_characters(username)
    ):
        raise RowProblem(f"{where}: username {_shown(username)} is not a username.")
    status = row.get("status")
    if status not in STATUSES:
        raise RowProblem(f'{where}: status {_shown(status)} is neither "awarded" nor "revoked".')
    created = _datetime(row.get("created"), where, "created")
    return ServiceCredential(
        where=where,
        uuid=_uuid(row.get("uuid"), where, "uuid"),
        username=username,
        program_uuid=_uuid(credential.get("program_uuid"), where, "program_uuid"),
        status=status,
        issued_at=_visible_date(row.get("attributes"), where) or created,
        modified=_datetime(row.get("modified"), where, "modified") if row.get("modified") is not None else created,
    )


def check_page(rows: Iterable, where: str, programs: dict, *, imported_before=True) -> tuple[list[CheckedRow], int]:
    """
    Check one page of ROWS (a page's ``results``): ``(checked rows, course-run rows skipped)``.

    Learners are found by username and programs by uuid in a few queries for the whole page;
    PROGRAMS caches ``{program uuid: (id, shape) or None}`` across pages. IMPORTED_BEFORE: also
    refuse a credential imported before for another learner or program (the import itself
    refuses those too, as they happen, so that one imported earlier in the same run is caught).
    """
    parsed, skipped = [], 0
    for number, row in enumerate(rows, 1):
        try:
            credential = parse_row(row, f"{where}, row {number}")
        except RowProblem as problem:
            parsed.append(CheckedRow(None, problem=str(problem)))
            continue
        if credential is None:
            skipped += 1
        else:
            parsed.append(CheckedRow(credential))
    wanted = [row.credential for row in parsed if row.credential is not None]
    users = dict(
        get_user_model()
        .objects.filter(username__in={credential.username for credential in wanted})
        .values_list("username", "id")
    )
    _load_programs(programs, {credential.program_uuid for credential in wanted})
    holders = _imported_holders({credential.uuid for credential in wanted}) if imported_before else {}
    return [_resolve(row, users, programs, holders) for row in parsed], skipped


def import_row(row: CheckedRow, programs: dict, *, cause: Cause, dry_run=False) -> awarding.Outcome:
    """Import one checked row (raises IssuanceError when it conflicts with what is here)."""
    credential = row.credential
    _, shape = programs[credential.program_uuid]
    return awarding.import_credential(
        row.user_id,
        shape,
        imported_uuid=credential.uuid,
        status=credential.status,
        issued_at=credential.issued_at,
        revoked_at=credential.modified,
        cause=cause,
        dry_run=dry_run,
    )


def _resolve(row, users, programs, holders):
    credential = row.credential
    if credential is None:
        return row
    user_id = users.get(credential.username)
    program = programs.get(credential.program_uuid)
    problems = []
    if program is None:
        problems.append(f"no program {credential.program_uuid} here (define it first, e.g. with import_programs)")
    if user_id is None:
        problems.append(f"no learner with the username {_shown(credential.username)}")
    holder = holders.get(credential.uuid)
    if holder is not None and program is not None and holder != (user_id, program[0]):
        problems.append("it was imported before for another learner or program")
    if problems:
        why = "; ".join(problems)
        return CheckedRow(credential, problem=f"{credential.where}: credential {credential.uuid}: {why}.")
    return CheckedRow(credential, user_id=user_id, program_id=program[0])


def _load_programs(programs, program_uuids):
    missing = program_uuids - programs.keys()
    if not missing:
        return
    found = dict(Program.objects.filter(uuid__in=missing).values_list("uuid", "id"))
    for program_uuid in missing:
        program_id = found.get(program_uuid)
        shape = awarding.program_shape(program_id) if program_id is not None else None
        programs[program_uuid] = (program_id, shape) if shape is not None else None


def _imported_holders(credential_uuids):
    """``{imported uuid: (user id, program id)}`` of those already imported."""
    rows = ProgramCredential.objects.filter(imported_uuid__in=credential_uuids)
    return {
        imported: (user_id, program_id)
        for imported, user_id, program_id in rows.values_list("imported_uuid", "user_id", "program_id")
    }


def _visible_date(attributes, where):
    """The ``visible_date`` attribute's date, if the row has one."""
    if attributes is None:
        return None
    if not isinstance(attributes, list):
        raise RowProblem(f'{where}: "attributes" is not a list.')
    for attribute in attributes:
        if isinstance(attribute, dict) and attribute.get("name") == VISIBLE_DATE:
            return _datetime(attribute.get("value"), where, VISIBLE_DATE)
    return None


def _uuid(value, where, name):
    if isinstance(value, str) and len(value) <= 36:
        try:
            return UUID(value)
        except ValueError:
            pass
    raise RowProblem(f"{where}: {name} {_shown(value)} is not a UUID.")


def _datetime(value, where, name):
    """An aware date and time, as the service writes them ("2024-05-01T00:00:00Z")."""
    if isinstance(value, str) and len(value) <= MAX_DATETIME_TEXT:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise RowProblem(f"{where}: {name} {_shown(value)} is not a date and time with its time zone.")


def _shown(value):
    """VALUE as a problem quotes it: short, on one line."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
