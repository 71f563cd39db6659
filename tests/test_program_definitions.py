"""Program definitions: the API, JSON and CSV imports, the catalog sync and the admin, all or nothing."""

import json
import re
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, Program, ProgramCourseRun, ProgramRequirement
from credentials_plugin.programs import awarding
from credentials_plugin.programs import definitions as program_definitions

pytestmark = pytest.mark.django_db

RUN_A = "course-v1:DemoX+A+2026"
RUN_A_LATER = "course-v1:DemoX+A+2027"
RUN_B = "course-v1:DemoX+B+2026"
RUN_C = "course-v1:DemoX+C+2026"
PROGRAM_UUID = "6c1b1a4e-31d4-4b8a-9a57-5d1a9e3f0b11"

CSV_HEADER = (
    "program_uuid,program_title,program_type,organizations,language,state,on_course_loss,requirement,choose,course_runs"
)


def test_define_program_takes_the_contract_form_and_electives():
    electives = {"title": "Electives", "courses": [[RUN_B], [RUN_C]], "choose": 1}

    program = api.define_program(
        title="Data Science",
        program_type="XSeries",
        requirements=[[RUN_A, RUN_A_LATER], electives],
        organizations=["DemoX"],
        language="en",
    )

    assert program.title == "Data Science"
    assert program.program_type == "XSeries"
    assert (program.state, program.on_course_loss) == ("active", "revoke")
    assert program.organizations == ("DemoX",)
    first, second = program.requirements
    assert (first.title, first.choose) == ("", 1)
    assert first.courses == ((CourseKey.from_string(RUN_A), CourseKey.from_string(RUN_A_LATER)),)
    assert (second.title, second.choose, len(second.courses)) == ("Electives", 1, 2)
    assert api.get_program(program.uuid) == program
    audit = AuditRecord.objects.get(action="configured", cause="api")
    assert str(program.uuid) in audit.reason


def test_redefining_a_program_replaces_its_requirements_and_its_cached_shape():
    program = api.define_program(title="Old", uuid=PROGRAM_UUID, requirements=[[RUN_A], [RUN_B]])
    (shape,) = awarding.programs_containing(CourseKey.from_string(RUN_B))
    assert shape.title == "Old"

    again = api.define_program(title="New", uuid=PROGRAM_UUID, requirements=[[RUN_C]], on_course_loss="keep")

    assert again.uuid == program.uuid
    assert Program.objects.count() == 1
    assert list(ProgramCourseRun.objects.values_list("course_key", flat=True)) == [CourseKey.from_string(RUN_C)]
    assert awarding.programs_containing(CourseKey.from_string(RUN_B)) == ()
    (shape,) = awarding.programs_containing(CourseKey.from_string(RUN_C))
    assert (shape.title, shape.keeps_credential_on_course_loss) == ("New", True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"title": "X", "requirements": [["not a key"]]}, "'not a key' is not a valid course run key"),
        ({"title": " ", "requirements": [[RUN_A]]}, "title is required"),
        ({"title": "X", "requirements": []}, "requirements must be a non-empty list"),
        ({"title": "X", "requirements": [[RUN_A], [RUN_A]]}, f"course run {RUN_A} appears more than once"),
        ({"title": "X", "requirements": [{"courses": [[RUN_A]], "choose": 2}]}, "choose must be between 1 and"),
        ({"title": "X", "requirements": [[RUN_A]], "uuid": "nope"}, "uuid 'nope' is not a valid UUID"),
        ({"title": "X", "requirements": [[RUN_A]], "state": "paused"}, "state must be one of active, retired"),
        ({"title": "X", "requirements": [{"courses": [[RUN_A]], "pick": 1}]}, "unknown fields pick"),
    ],
)
def test_a_bad_definition_is_refused_with_a_clear_error_and_saves_nothing(arguments, message):
    with pytest.raises(program_definitions.DefinitionError, match=re.escape(message)):
        api.define_program(**arguments)

    assert not Program.objects.exists()
    assert not AuditRecord.objects.exists()


def test_an_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="Unknown program options: colour"):
        api.define_program(title="X", requirements=[[RUN_A]], colour="red")
    assert not Program.objects.exists()


def test_every_problem_of_a_definition_is_reported_at_once():
    with pytest.raises(program_definitions.DefinitionError) as raised:
        api.define_program(title="X", requirements=[["bad1"], ["bad2"]], on_course_loss="forget")

    assert len(raised.value.errors) == 3
    assert all(error.startswith('program "X"') for error in raised.value.errors)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_programs_from_json(tmp_path, capsys):
    document = {
        "programs": [
            {
                "uuid": PROGRAM_UUID,
                "title": "Data Science",
                "type": "MicroMasters",
                "organizations": ["DemoX"],
                "state": "retired",
                "on_course_loss": "keep",
                "requirements": [
                    [RUN_A, RUN_A_LATER],
                    {"title": "Pick one", "courses": [[RUN_B], [RUN_C]], "choose": 1},
                ],
            },
            {"title": "Second", "requirements": [[RUN_B]]},
        ]
    }
    path = write(tmp_path, "awarding.json", json.dumps(document))

    call_command("import_programs", path)

    assert "Defined 2 programs." in capsys.readouterr().out
    program = api.get_program(PROGRAM_UUID)
    assert (program.program_type, program.state, program.on_course_loss) == ("MicroMasters", "retired", "keep")
    assert [len(requirement.courses) for requirement in program.requirements] == [1, 2]
    assert AuditRecord.objects.filter(action="configured", cause="command", source="import_programs").count() == 2


def test_import_programs_dry_run_saves_nothing(tmp_path, capsys):
    path = write(tmp_path, "awarding.json", json.dumps([{"title": "Data Science", "requirements": [[RUN_A]]}]))

    call_command("import_programs", path, "--dry-run")

    assert "Dry run, nothing saved. Would define 1 programs." in capsys.readouterr().out
    assert not Program.objects.exists()
    assert not AuditRecord.objects.exists()


def test_import_programs_from_csv(tmp_path):
    rows = [
        CSV_HEADER,
        f"{PROGRAM_UUID},Data Science,XSeries,DemoX OtherX,en,active,revoke,1,,{RUN_A} {RUN_A_LATER}",
        f"{PROGRAM_UUID},Data Science,,,,,,2,1,{RUN_B}",
        f"{PROGRAM_UUID},Data Science,,,,,,2,1,{RUN_C}",
        f",Other program,,,,,,1,,{RUN_B}",
    ]
    path = write(tmp_path, "awarding.csv", "\n".join(rows) + "\n")

    call_command("import_programs", path)

    program = api.get_program(PROGRAM_UUID)
    assert (program.program_type, program.organizations, program.language) == ("XSeries", ("DemoX", "OtherX"), "en")
    first, second = program.requirements
    assert first.courses == ((CourseKey.from_string(RUN_A), CourseKey.from_string(RUN_A_LATER)),)
    assert (second.choose, len(second.courses)) == (1, 2)
    assert Program.objects.filter(title="Other program").exists()


@pytest.mark.database_specific
def test_a_bad_csv_reports_every_bad_row_and_imports_nothing(tmp_path, capsys):
    rows = [
        CSV_HEADER,
        f"{PROGRAM_UUID},Data Science,XSeries,DemoX,en,active,revoke,1,,{RUN_A}",
        f"{PROGRAM_UUID},Data Science,,,,,,two,,{RUN_B}",
        f"{PROGRAM_UUID},Data Science,,,,,,2,,not-a-key",
        f"{PROGRAM_UUID},Data Science,MicroMasters,,,,,3,,{RUN_C}",
        f",Fine otherwise,,,,,,1,5,{RUN_B}",
        "oops,Bad uuid,,,,,,1,,",
    ]
    path = write(tmp_path, "awarding.csv", "\n".join(rows) + "\n")

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_programs", path)

    errors = capsys.readouterr().err
    assert "row 3: requirement must be a number, not 'two'" in errors
    assert "row 4: 'not-a-key' is not a valid course run key" in errors
    assert "row 5: program_type 'MicroMasters' differs from 'XSeries' on row 2" in errors
    assert "choose must be between 1 and its number of courses (1), not 5" in errors
    assert "uuid 'oops' is not a valid UUID" in errors
    assert "row 7" in errors  # the empty course_runs
    assert not Program.objects.exists()


def test_a_csv_without_the_columns_says_which_are_missing(tmp_path):
    path = write(tmp_path, "awarding.csv", "program_title,course_runs,colour\nX,course-v1:A+B+C,red\n")

    with pytest.raises(program_definitions.DefinitionError) as raised:
        program_definitions.from_file(path)

    assert "missing columns program_uuid, program_type" in str(raised.value)
    assert "unknown columns colour" in str(raised.value)


def test_a_file_that_is_neither_json_nor_csv_is_refused(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_programs", write(tmp_path, "awarding.txt", "[]"))


def test_sync_programs_without_a_catalog_says_so_and_changes_nothing():
    with pytest.raises(CommandError, match="StandaloneBackend has no course catalog"):
        call_command("sync_programs")
    assert not Program.objects.exists()


def test_catalog_programs_become_definitions():
    catalog = [
        {
            "uuid": PROGRAM_UUID,
            "title": "From the catalog",
            "type": "Professional Certificate",
            "status": "active",
            "authoring_organizations": [{"key": "DemoX"}],
            "courses": [
                {"key": "DemoX+A", "course_runs": [{"key": RUN_A}, {"key": RUN_A_LATER}]},
                {"course_runs": [{"key": RUN_B}]},
            ],
        },
        {"uuid": str(uuid.uuid4()), "title": "Draft", "status": "unpublished", "courses": []},
        {"uuid": str(uuid.uuid4()), "title": "Empty", "status": "active", "courses": [{"course_runs": []}]},
    ]

    definitions, skipped = program_definitions.from_catalog(catalog)

    (definition,) = definitions
    assert (definition.title, definition.program_type, definition.organizations) == (
        "From the catalog",
        "Professional Certificate",
        ("DemoX",),
    )
    assert [len(requirement.courses[0]) for requirement in definition.requirements] == [2, 1]
    assert len(skipped) == 2


def test_the_admin_refuses_a_run_twice_in_a_program_and_a_choose_beyond_its_courses(admin_client):
    program = api.define_program(title="Admin", requirements=[[RUN_A], [RUN_B]])
    requirement = ProgramRequirement.objects.get(program__uuid=program.uuid, position=2)
    url = reverse("admin:credentials_plugin_programrequirement_change", args=[requirement.pk])
    run = requirement.course_runs.get()
    form = {
        "program": requirement.program_id,
        "position": 2,
        "title": "",
        "choose": 3,
        "course_runs-TOTAL_FORMS": 2,
        "course_runs-INITIAL_FORMS": 1,
        "course_runs-0-id": run.pk,
        "course_runs-0-requirement": requirement.pk,
        "course_runs-0-course": 0,
        "course_runs-0-course_key": RUN_B,
        "course_runs-1-requirement": requirement.pk,
        "course_runs-1-course": 1,
        "course_runs-1-course_key": RUN_A,
    }

    response = admin_client.post(url, form)

    assert response.status_code == 200  # the form again, with the errors
    page = response.content.decode()
    assert f"course run {RUN_A} appears more than once" in page
    assert "choose must be between 1 and its number of courses (2), not 3" in page
    assert requirement.course_runs.count() == 1

    form["choose"] = 1
    form["course_runs-1-course_key"] = RUN_C
    assert admin_client.post(url, form).status_code == 302
    assert requirement.course_runs.count() == 2
    assert AuditRecord.objects.filter(cause="staff", source="admin", reason__contains="requirement 2").exists()
