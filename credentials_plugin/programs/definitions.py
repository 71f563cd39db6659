"""
Program definitions, wherever they come from (the Python API, a JSON or CSV file, the LMS's
course catalog): checked, normalised and saved as rows, all or nothing.

A definition, as a dict (the JSON form; CSV rows are assembled into it)::

    {"uuid": "...", "title": "...", "type": "XSeries", "organizations": ["DemoX"],
     "language": "en", "state": "active", "on_course_loss": "revoke", "description": "...",
     "requirements": [
        ["course-v1:DemoX+A+2026", "course-v1:DemoX+A+2027"],
        {"title": "Electives", "courses": [["course-v1:DemoX+B+2026"], ["course-v1:DemoX+C+2026"]], "choose": 1}]}

A requirement given as a list is one required course, met by any one of the listed runs; a
requirement given as a dict is a titled group of courses of which ``choose`` are needed (all of
them when ``choose`` is left out). Every problem is reported, naming the program and the place.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from credentials_plugin.data import ProgramData, ProgramRequirementData
from credentials_plugin.models import AuditRecord, Program, ProgramCourseRun, ProgramRequirement
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import AuditAction, CourseLossPolicy, ProgramState

# What a definition may set besides its uuid, title, type and requirements (``api.define_program``'s options).
PROGRAM_OPTIONS = frozenset({"organizations", "language", "state", "on_course_loss", "description"})
PROGRAM_FIELDS = frozenset({"uuid", "title", "type", "requirements"}) | PROGRAM_OPTIONS
REQUIREMENT_FIELDS = frozenset({"title", "courses", "choose"})
CSV_COLUMNS = (
    "program_uuid",
    "program_title",
    "program_type",
    "organizations",
    "language",
    "state",
    "on_course_loss",
    "requirement",
    "choose",
    "course_runs",
)
CSV_OPTIONAL_COLUMNS = ("requirement_title", "description")
# Columns that describe the program (the same on each of its rows, or left empty after the first).
CSV_PROGRAM_COLUMNS = ("program_type", "organizations", "language", "state", "on_course_loss", "description")

TITLE_LENGTH = 255
TYPE_LENGTH = 64
LANGUAGE_LENGTH = 16


class DefinitionError(ValueError):
    """Definitions that cannot be saved; ``errors`` lists every problem found, and nothing was saved."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class ProgramDefinition:
    """A checked definition, ready to be saved."""

    uuid: UUID | None
    title: str
    program_type: str
    description: str
    organizations: tuple[str, ...]
    language: str
    state: str
    on_course_loss: str
    requirements: tuple[ProgramRequirementData, ...]
    label: str  # how messages name it: the program, and where it came from


# ---------------------------------------------------------------------------
# Rules shared by every source (and the admin)
# ---------------------------------------------------------------------------


def choose_problem(choose, course_count):
    """Why CHOOSE cannot be a requirement's count for COURSE_COUNT courses, or None."""
    if isinstance(choose, bool) or not isinstance(choose, int):
        return f"choose must be a whole number, not {choose!r}."
    if not 1 <= choose <= max(course_count, 1):
        return f"choose must be between 1 and its number of courses ({course_count}), not {choose}."
    return None


def repeated_run_problems(course_keys):
    """A message for each run that appears more than once among a program's COURSE_KEYS."""
    seen, repeated = set(), []
    for key in course_keys:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    return [f"course run {key} appears more than once; a run meets only one course of a program." for key in repeated]


def parse_course_key(value):
    """A CourseKey from VALUE, or raise ValueError naming it."""
    if isinstance(value, CourseKey):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a course run key must be a string, not {value!r}.")
    try:
        return CourseKey.from_string(value.strip())
    except InvalidKeyError as error:
        raise ValueError(f"'{value}' is not a valid course run key.") from error


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def parse_program(raw, *, label, course_labels=None) -> ProgramDefinition:
    """
    Check one definition dict; raise DefinitionError listing every problem.

    LABEL names the program in messages; COURSE_LABELS maps (requirement, course) positions,
    from 1, to where that course was written (a CSV row), when not in the dict itself.
    """
    if not isinstance(raw, dict):
        raise DefinitionError([f"{label}: a program must be an object, not {type(raw).__name__}."])
    errors = []
    title = raw.get("title")
    if isinstance(title, str) and title.strip():
        label = f'{label} "{title.strip()}"'
    place = label

    def problem(message, where=""):
        errors.append(f"{place}{', ' + where if where else ''}: {message}")

    unknown = sorted(set(raw) - PROGRAM_FIELDS)
    if unknown:
        problem(f"unknown fields {', '.join(unknown)} (known: {', '.join(sorted(PROGRAM_FIELDS))}).")
    program_uuid = _uuid(raw.get("uuid"), problem)
    title = _text(raw.get("title"), "title", TITLE_LENGTH, problem, required=True)
    program_type = _text(raw.get("type", ""), "type", TYPE_LENGTH, problem)
    description = _text(raw.get("description", ""), "description", None, problem)
    language = _text(raw.get("language", ""), "language", LANGUAGE_LENGTH, problem)
    organizations = _organizations(raw.get("organizations", []), problem)
    state = _choice(raw.get("state", ProgramState.ACTIVE), "state", ProgramState.values, problem)
    on_course_loss = _choice(
        raw.get("on_course_loss", CourseLossPolicy.REVOKE), "on_course_loss", CourseLossPolicy.values, problem
    )
    requirements = _requirements(raw.get("requirements"), problem, course_labels or {})
    if errors:
        raise DefinitionError(errors)
    return ProgramDefinition(
        uuid=program_uuid,
        title=title,
        program_type=program_type,
        description=description,
        organizations=organizations,
        language=language,
        state=state,
        on_course_loss=on_course_loss,
        requirements=requirements,
        label=label,
    )


def parse_programs(raw_programs) -> list[ProgramDefinition]:
    """Check many definition dicts; raise DefinitionError listing the problems of all of them."""
    return _parse_all((raw, f"program {number}", None) for number, raw in enumerate(raw_programs, 1))


def _parse_all(entries):
    """Check (definition dict, label, course labels) entries, then that no two share a uuid."""
    definitions, errors = [], []
    for raw, label, course_labels in entries:
        try:
            definitions.append(parse_program(raw, label=label, course_labels=course_labels))
        except DefinitionError as error:
            errors.extend(error.errors)
    first_label = {}
    for definition in definitions:
        if definition.uuid is None:
            continue
        if definition.uuid in first_label:
            errors.append(f"{definition.label}: uuid {definition.uuid} is also used by {first_label[definition.uuid]}.")
        first_label.setdefault(definition.uuid, definition.label)
    if errors:
        raise DefinitionError(errors)
    return definitions


def from_json(text) -> list[ProgramDefinition]:
    """Definitions from JSON: a list of programs, or an object with a "programs" list."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError([f"Not valid JSON: {error}."]) from error
    if isinstance(document, dict) and set(document) == {"programs"}:
        document = document["programs"]
    if not isinstance(document, list):
        raise DefinitionError(['The JSON must be a list of programs or an object {"programs": [...]}.'])
    return parse_programs(document)


def from_csv(text) -> list[ProgramDefinition]:
    """
    Definitions from CSV: one row per course of a requirement.

    Rows with the same program (its uuid, else its title) and the same requirement number form
    that requirement; course_runs lists the course's runs separated by spaces, organizations
    likewise. The program's columns may be left empty after its first row.
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [name for name in CSV_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in CSV_COLUMNS + CSV_OPTIONAL_COLUMNS]
    if missing or unknown:
        errors = []
        if missing:
            errors.append(f"CSV header: missing columns {', '.join(missing)}.")
        if unknown:
            errors.append(f"CSV header: unknown columns {', '.join(unknown)}.")
        raise DefinitionError(errors)
    errors, grouped, first_rows = [], {}, {}
    for read in reader:
        number = reader.line_num
        if None in read or any(value is None for value in read.values()):
            errors.append(f"row {number}: it has {len(columns)} columns in the header but not in this row.")
            continue
        row = {name: value.strip() for name, value in read.items()}
        if not any(row.values()):
            continue
        program_id = row["program_uuid"] or row["program_title"]
        if not program_id:
            errors.append(f"row {number}: program_uuid or program_title is needed.")
            continue
        try:
            requirement = int(row["requirement"])
        except ValueError:
            errors.append(f"row {number}: requirement must be a number, not '{row['requirement']}'.")
            continue
        if program_id not in grouped:
            grouped[program_id], first_rows[program_id] = _csv_program(row), number
        else:
            errors.extend(_csv_program_differs(grouped[program_id], row, number, first_rows[program_id]))
        _csv_add_course(grouped[program_id], requirement, row, number, errors)
    entries = [
        (*_csv_definition(raw), f"program at row {first_rows[program_id]}") for program_id, raw in grouped.items()
    ]
    try:
        definitions = _parse_all((raw, label, course_labels) for raw, course_labels, label in entries)
    except DefinitionError as error:
        errors.extend(error.errors)
    if errors:
        raise DefinitionError(errors)
    return definitions


def from_catalog(catalog_programs) -> tuple[list[ProgramDefinition], list[str]]:
    """
    Definitions from the LMS's course catalog (``Backend.program_definitions``): each catalog
    course is a required course, met by any of its runs. Returns the definitions and a note for
    each program left out (unpublished or deleted, or without course runs yet).
    """
    entries, skipped = [], []
    for number, program in enumerate(catalog_programs, 1):
        label = f"catalog program {program.get('uuid') or number}"
        status = program.get("status", ProgramState.ACTIVE)
        courses = [
            [run["key"] for run in course.get("course_runs") or [] if run.get("key")]
            for course in program.get("courses") or []
        ]
        if status not in ProgramState.values:
            skipped.append(f"{label}: its catalog status is {status!r}.")
        elif not any(courses):
            skipped.append(f"{label}: it has no course runs.")
        else:
            raw = {
                "uuid": program.get("uuid"),
                "title": program.get("title") or "",
                "type": program.get("type") or "",
                "organizations": [org["key"] for org in program.get("authoring_organizations") or [] if org.get("key")],
                "state": status,
                "description": program.get("subtitle") or "",
                "requirements": [runs for runs in courses if runs],
            }
            entries.append((raw, label, None))
    return _parse_all(entries), skipped


def from_file(path) -> list[ProgramDefinition]:
    """Definitions from a .json or .csv file."""
    kind = str(path).rsplit(".", 1)[-1].lower()
    readers = {"json": from_json, "csv": from_csv}
    if kind not in readers:
        raise DefinitionError([f"{path}: the file must end in .json or .csv."])
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            text = file.read()
    except OSError as error:
        raise DefinitionError([f"{path}: {error.strerror}."]) from error
    return readers[kind](text)


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


def save(definitions, *, cause, source="", dry_run=False) -> list[ProgramData]:
    """
    Save the definitions in one transaction: a known uuid is updated and its requirements are
    replaced, a new one (or none) creates a program. Each is audited with CAUSE. Credentials are
    not re-checked here: ``award_program_credentials`` does that.
    """
    saved = []
    with transaction.atomic():
        for definition in definitions:
            saved.append(_save_one(definition, cause, source))
        awarding.forget_definitions()
        if dry_run:
            transaction.set_rollback(True)
    return saved


def _save_one(definition, cause, source):
    program = None
    if definition.uuid is not None:
        program = Program.objects.select_for_update().filter(uuid=definition.uuid).first()
    program = program or Program(**({"uuid": definition.uuid} if definition.uuid else {}))
    program.title = definition.title
    program.program_type = definition.program_type
    program.description = definition.description
    program.organizations = list(definition.organizations)
    program.language = definition.language
    program.state = definition.state
    program.on_course_loss = definition.on_course_loss
    program.source = source
    program.save()
    program.requirements.all().delete()  # their course runs go with them
    runs = []
    for position, requirement in enumerate(definition.requirements, 1):
        row = ProgramRequirement.objects.create(
            program=program, position=position, title=requirement.title, choose=requirement.choose
        )
        runs.extend(
            ProgramCourseRun(program=program, requirement=row, course=index, course_key=course_key)
            for index, course in enumerate(requirement.courses)
            for course_key in course
        )
    ProgramCourseRun.objects.bulk_create(runs)
    audit_change(program, cause=cause, what=f"{len(definition.requirements)} requirements, {len(runs)} course runs")
    return ProgramData.from_model(program)


def audit_change(program, *, cause, what):
    """Record a change to a program's definition (WHAT changed) in the audit trail."""
    summary = f'Program {program.uuid} "{program.title}" ({program.state}) defined: {what}.'
    AuditRecord.of(AuditAction.CONFIGURED, cause, f"{cause.reason} {summary}" if cause.reason else summary).save()


# ---------------------------------------------------------------------------
# The parts of a definition
# ---------------------------------------------------------------------------


def _uuid(value, problem):
    if value in (None, ""):
        return None
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        problem(f"uuid '{value}' is not a valid UUID.")
        return None


def _text(value, name, max_length, problem, *, required=False):
    if not isinstance(value, str):
        problem(f"{name} must be text, not {value!r}.")
        return ""
    value = value.strip()
    if required and not value:
        problem(f"{name} is required.")
    elif max_length and len(value) > max_length:
        problem(f"{name} is longer than {max_length} characters.")
    return value


def _choice(value, name, allowed, problem):
    if value not in allowed:
        problem(f"{name} must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _organizations(value, problem):
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list | tuple) or not all(isinstance(org, str) and org.strip() for org in value):
        problem(f"organizations must be a list of organization short names, not {value!r}.")
        return ()
    return tuple(org.strip() for org in value)


def _requirements(value, problem, course_labels):
    if not isinstance(value, list | tuple) or not value:
        problem("requirements must be a non-empty list.")
        return ()
    requirements = []
    for position, raw in enumerate(value, 1):
        if isinstance(raw, dict):
            requirement = _titled_requirement(raw, position, problem, course_labels)
        else:
            courses = (_course(raw, position, 1, problem, course_labels),)
            requirement = ProgramRequirementData(title="", choose=1, courses=courses)
        requirements.append(requirement)
    all_runs = [run for requirement in requirements for course in requirement.courses for run in course]
    for message in repeated_run_problems(all_runs):
        problem(message)
    return tuple(requirements)


def _titled_requirement(raw, position, problem, course_labels):
    where = f"requirement {position}"
    unknown = sorted(set(raw) - REQUIREMENT_FIELDS)
    if unknown:
        problem(f"unknown fields {', '.join(unknown)} (known: {', '.join(sorted(REQUIREMENT_FIELDS))}).", where)
    title = _text(raw.get("title", ""), "title", TITLE_LENGTH, lambda message: problem(message, where))
    raw_courses = raw.get("courses")
    if not isinstance(raw_courses, list | tuple) or not raw_courses:
        problem("courses must be a non-empty list of courses (each a list of runs).", where)
        return ProgramRequirementData(title=title, choose=1, courses=())
    courses = tuple(
        _course(course, position, number, problem, course_labels) for number, course in enumerate(raw_courses, 1)
    )
    choose = raw.get("choose", len(courses))
    if message := choose_problem(choose, len(courses)):
        problem(message, where)
        choose = 1
    return ProgramRequirementData(title=title, choose=choose, courses=courses)


def _course(raw, position, number, problem, course_labels):
    """One course: a run key, or a list of run keys any one of which meets it."""
    where = course_labels.get((position, number), f"requirement {position}, course {number}")
    runs = [raw] if isinstance(raw, str | CourseKey) else raw
    if not isinstance(runs, list | tuple) or not runs:
        problem(f"a course must be a course run key or a non-empty list of them, not {raw!r}.", where)
        return ()
    keys = []
    for run in runs:
        try:
            keys.append(parse_course_key(run))
        except ValueError as error:
            problem(str(error), where)
    return tuple(keys)


# ---------------------------------------------------------------------------
# CSV rows into definition dicts
# ---------------------------------------------------------------------------


def _csv_program(row):
    return {
        "uuid": row["program_uuid"],
        "title": row["program_title"],
        **{name: row.get(name, "") for name in CSV_PROGRAM_COLUMNS},
        "requirements": defaultdict(lambda: {"title": "", "choose": "", "courses": [], "rows": []}),
    }


def _csv_program_differs(program, row, number, first_row):
    """Messages for program columns that differ from the program's first row."""
    return [
        f"row {number}: {name} '{row[name]}' differs from '{program[name]}' on row {first_row} of the same program."
        for name in ("title", *CSV_PROGRAM_COLUMNS)
        if (value := row.get("program_title" if name == "title" else name, "")) and value != program[name]
    ]


def _csv_add_course(program, requirement_number, row, number, errors):
    requirement = program["requirements"][requirement_number]
    for name, column in (("choose", "choose"), ("title", "requirement_title")):
        value = row.get(column, "")
        if value and requirement[name] and value != requirement[name]:
            errors.append(
                f"row {number}: {column} '{value}' differs from '{requirement[name]}' "
                f"on another row of requirement {requirement_number}."
            )
        requirement[name] = requirement[name] or value
    requirement["courses"].append(row["course_runs"].split())
    requirement["rows"].append(number)


def _csv_definition(program):
    """(the definition dict, where each course was written) for one program's rows."""
    requirements, course_labels = [], {}
    for position, (_, requirement) in enumerate(sorted(program["requirements"].items()), 1):
        entry = {"title": requirement["title"], "courses": requirement["courses"]}
        choose = requirement["choose"]
        if choose:
            entry["choose"] = int(choose) if choose.isdigit() else choose
        requirements.append(entry)
        for course_number, row_number in enumerate(requirement["rows"], 1):
            course_labels[(position, course_number)] = f"row {row_number}"
    raw = {name: value for name, value in program.items() if name != "requirements" and value != ""}
    raw["title"] = program["title"]
    raw["type"] = raw.pop("program_type", "")
    raw["requirements"] = requirements
    return raw, course_labels
