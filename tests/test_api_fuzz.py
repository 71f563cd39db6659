"""
Fuzz every operation of the REST API from the OpenAPI schema it serves (schemathesis, in-process
through the WSGI application): no 5xx; status codes, content types, headers and bodies as the
schema documents them; invalid input refused with a 4xx, valid input never refused with a 400;
and every operation refuses a request without the session.

Signed in as global staff with a real session cookie and CSRF token (no test-only authentication).
Seeded with a configured course, certificates awarded and revoked, an allowlist entry and a bulk
run; part of the cases use those seeded identifiers in the path, so operations act on real rows
and not only on unknown ones. Bounded: 25 examples per operation (about 20 s in all on SQLite),
the same ones every run unless CREDENTIALS_PLUGIN_FUZZ_RANDOM=1 is set (and
CREDENTIALS_PLUGIN_FUZZ_EXAMPLES=N runs N per operation).

One test per operation, listed from the same schema generator the schema view uses (so that
collection needs no database); the served schema must list exactly these operations. The
operations are driven with schemathesis' strategies rather than its pytest plugin, whose
lazy-schema loader does not run on pytest 9 (it writes ``Function._nodeid``).
"""

import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils.crypto import get_random_string
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.models import BulkRun, CourseCertificate, ProgramCredential, RecordShareLink
from credentials_plugin.statuses import CauseKind
from credentials_plugin.web.rest_api.v1.views import SchemaView
from tests.conftest import COURSE, send_enrollment, send_passing

pytestmark = pytest.mark.django_db

SCHEMA = "/api/credentials_plugin/v1/schema/"
MAX_EXAMPLES = int(os.environ.get("CREDENTIALS_PLUGIN_FUZZ_EXAMPLES", "25"))
#: The same cases every run (CI); CREDENTIALS_PLUGIN_FUZZ_RANDOM=1 explores new ones each run.
DERANDOMIZE = not os.environ.get("CREDENTIALS_PLUGIN_FUZZ_RANDOM")


def generated_operations():
    """(METHOD, path) of every operation, from the generator behind the schema view."""
    with patched_settings(SchemaView.custom_settings):
        paths = SchemaGenerator(urlconf=SchemaView.urlconf).get_schema(request=None, public=True)["paths"]
    return sorted((method.upper(), path) for path, methods in paths.items() for method in methods)


OPERATIONS = generated_operations()


def seed(clock):
    """
    A course with certificates awarded and revoked, an allowlisted learner, a finished bulk run, a
    program of the course (so its passing learners hold credentials) and a record share link.
    """
    api.configure_course(COURSE, show_grade=True)
    users = get_user_model().objects
    staff = users.create_user("fuzzstaff", "staff@example.com", "pw", is_staff=True)
    learners = [users.create_user(f"fuzz{n}", f"fuzz{n}@example.com", "pw", first_name=f"F{n}") for n in range(4)]
    program = api.define_program(title="Fuzz program", organizations=["DemoX"], requirements=[[COURSE]])
    for learner in learners:
        send_enrollment(learner, time=clock.tick())
    for learner in learners[:3]:
        send_passing(learner, time=clock.tick())
    certificates = list(CourseCertificate.objects.order_by("id"))
    api.revoke_certificate(certificates[1].uuid, reason="Seeded revocation", actor=staff)
    issuance.add_to_allowlist(learners[3].pk, COURSE, notes="Seeded", cause=issuance.Cause(kind=CauseKind.STAFF))
    run = BulkRun.objects.create(course_key=COURSE, kind=BulkRun.Kind.ISSUE_ELIGIBLE, state=BulkRun.State.SUCCEEDED)
    return staff, {
        "course_key": [str(COURSE)],
        "uuid": [str(certificate.uuid) for certificate in certificates],
        "learner": [learner.username for learner in learners] + [str(learners[0].pk), learners[2].email],
        "run_id": [run.pk],
        "program_uuid": [str(program.uuid)],
        "credential_uuid": [str(credential.uuid) for credential in ProgramCredential.objects.order_by("id")],
        "share_uuid": [str(RecordShareLink.objects.create(user=learners[0]).uuid)],
    }


@pytest.fixture
def seeded(clock):
    """The seeded identifiers, and the cookies of a real session of global staff (with a CSRF token)."""
    staff, identifiers = seed(clock)
    client = Client()
    client.force_login(staff)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": get_random_string(32)}
    return identifiers, cookies


def reading_the_schema_with(app, cookies):
    """
    The WSGI application, with the schema request signed in (schemathesis' WSGI loader sends no
    cookies). Every other request carries exactly the cookies the test gives it, so the
    ``ignored_auth`` check can still call without them and expect a refusal.
    """
    cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def wsgi(environ, start_response):
        if environ["PATH_INFO"] == SCHEMA and not environ.get("HTTP_COOKIE"):
            environ = {**environ, "HTTP_COOKIE": cookie_header}
        return app(environ, start_response)

    return wsgi


@pytest.fixture
def served_schema(seeded):
    _, cookies = seeded
    app = reading_the_schema_with(get_wsgi_application(), cookies)
    return schemathesis.openapi.from_wsgi(SCHEMA, app)


def test_the_served_schema_lists_every_operation(served_schema):
    served = sorted(
        (operation.method.upper(), operation.path)
        for operation in (result.ok() for result in served_schema.get_all_operations())
    )
    assert served == OPERATIONS
    assert len(OPERATIONS) >= 19


def cases(operation, identifiers, cookies):
    """Valid and invalid cases, on random identifiers and on the seeded rows, as signed-in staff."""
    signed_in = {"cookies": cookies, "headers": {"X-CSRFToken": cookies["csrftoken"]}}

    def strategy(mode, **fixed):
        return operation.as_strategy(mode, **signed_in, **fixed)

    strategies = [strategy(GenerationMode.POSITIVE), strategy(GenerationMode.NEGATIVE)]
    names = [parameter.name for parameter in operation.path_parameters]
    if names:
        seeded = st.fixed_dictionaries({name: st.sampled_from(identifiers[name]) for name in names})
        strategies.append(seeded.flatmap(lambda fixed: strategy(GenerationMode.POSITIVE, path_parameters=fixed)))
        if operation.body or operation.query:
            strategies.append(seeded.flatmap(lambda fixed: strategy(GenerationMode.NEGATIVE, path_parameters=fixed)))
    if operation.path.endswith("/allowlist/csv/"):  # files that list seeded learners, so some uploads apply
        files = st.lists(st.sampled_from(identifiers["learner"]), min_size=1, max_size=4).map(
            lambda learners: {"file": "\n".join(f"{learner},seeded" for learner in learners).encode()}
        )
        strategies.append(files.flatmap(lambda body: strategy(GenerationMode.POSITIVE, body=body)))
    return st.one_of(strategies)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{method} {path}" for method, path in OPERATIONS])
def test_operation_answers_as_its_schema_says(served_schema, seeded, method, path):
    identifiers, cookies = seeded
    operation = served_schema[path][method]

    # Whether an uploaded file is a valid allowlist depends on which learners exist, which no schema can
    # say: there, a schema-valid file may be refused (400, every bad row listed). Every other check applies.
    excluded = [schemathesis.checks.positive_data_acceptance] if path.endswith("/allowlist/csv/") else []

    @given(case=cases(operation, identifiers, cookies))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=DERANDOMIZE,
    )
    def call(case):
        case.call_and_validate(excluded_checks=excluded)

    call()
