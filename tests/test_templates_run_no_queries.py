"""
Templates get plain data: every staff and public page runs its queries in the view, and its
template only reads the rows it was given. Any database query while a Jinja2 template renders
(a queryset or page iterated in the template, a relation followed, a lazy object evaluated) fails.

The data comes from real openedx-events and real staff POSTs, so that every table has rows: a
configuration change and allowlist changes in the history, a bulk run, a revoked certificate, a
program credential, a learner record and its share link.
"""

import re
from contextlib import contextmanager
from dataclasses import fields, is_dataclass

import jinja2
import pytest
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager
from django.test import Client

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, BulkRun, CourseConfiguration, RecordShareLink
from tests.conftest import COURSE, send_passing
from tests.test_staff_pages import earn, send_role

pytestmark = pytest.mark.django_db(transaction=True)

BASE = f"/credentials/courses/{COURSE}/"


#: Context keys that may hold a model: the platform's CertificateRenderStarted filter contract
#: gives its pipeline steps the certificate itself (``user_certificate``), as the LMS does.
PLATFORM_CONTRACT_KEYS = frozenset({"user_certificate"})
NOT_PLAIN = (Model, QuerySet, BaseManager, Page, Paginator)


def models_in(value, path="context", depth=0):
    """Where VALUE (a context, walked through dicts, lists, tuples and dataclasses) holds a model or query."""
    if isinstance(value, NOT_PLAIN):
        yield f"{path}: {type(value).__name__}"
    elif depth > 6:
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in PLATFORM_CONTRACT_KEYS:
                yield from models_in(item, f"{path}[{key!r}]", depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            yield from models_in(item, f"{path}[{index}]", depth + 1)
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from models_in(getattr(value, field.name), f"{path}.{field.name}", depth + 1)


@contextmanager
def rendering_watched():
    """
    The SQL run inside any Jinja2 template's ``render`` (the one way our pages render), and where a
    context handed to a template held a model, a queryset or a page of one.
    """
    seen = {"queries": [], "models": []}
    original = jinja2.Template.render

    def record(execute, sql, params, many, context):
        seen["queries"].append(sql)
        return execute(sql, params, many, context)

    def render(self, *args, **kwargs):
        context = dict(*args, **kwargs)
        seen["models"].extend(models_in(context))
        with connection.execute_wrapper(record):
            return original(self, *args, **kwargs)

    jinja2.Template.render = render
    try:
        yield seen
    finally:
        jinja2.Template.render = original


def visit(client, url, expected_status, rendered, *, method="get", **kwargs):
    """GET (or POST) URL: the queries its templates ran, and the models their contexts held."""
    with rendering_watched() as seen:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected_status, (url, response.status_code, response.content[:2000])
    assert rendered in response.content.decode(), (url, rendered)
    return seen


def assert_none_ran(found):
    """FOUND maps each page to what its rendering saw: no query ran, no model was handed to a template."""
    ran = {name: seen["queries"] for name, seen in found.items() if seen["queries"]}
    assert not ran, "Templates ran queries while rendering:\n" + "\n".join(
        f"  {name}: {len(queries)} queries, e.g. {queries[0][:160]}" for name, queries in ran.items()
    )
    held = {name: seen["models"] for name, seen in found.items() if seen["models"]}
    assert not held, "Templates were handed models or querysets, not plain rows:\n" + "\n".join(
        f"  {name}: {', '.join(paths)}" for name, paths in held.items()
    )


@pytest.fixture
def site(make_learner, clock):
    """A course with a program, staff, learners in every state, and a change of every kind in its history."""
    from datetime import UTC, datetime

    from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
    from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED

    COURSE_CATALOG_INFO_CHANGED.send_event(
        time=clock.tick(),
        catalog_info=CourseCatalogData(
            course_key=COURSE,
            name="Certificates 101",
            schedule_data=CourseScheduleData(start=datetime(2026, 1, 1, tzinfo=UTC), pacing="self"),
        ),
    )
    api.configure_course(COURSE)
    program = api.define_program(
        title="Certificate Studies", program_type="XSeries", organizations=["DemoX"], requirements=[[COURSE]]
    )
    instructor = make_learner("teacher", enroll=False)
    send_role(instructor, "instructor")
    holder = make_learner("grace", time=clock.tick())
    revoked = make_learner("rex", time=clock.tick())
    dropped = make_learner("dora", time=clock.tick())
    listed = make_learner("listed", time=clock.tick())
    certificates = {user.username: earn(user, clock) for user in (holder, revoked, dropped)}
    api.revoke_certificate(certificates["rex"].uuid, reason="Fraud")
    send_passing(dropped, is_passing=False, time=clock.tick())

    staff = Client()
    staff.force_login(instructor)
    configuration = {
        "enabled": "on",
        "eligible_modes": ["verified"],
        "minimum_grade": "50",
        "availability": "immediately",
        "on_grade_drop": "not_passing",
        "modified": CourseConfiguration.objects.get(course_key=COURSE).modified.isoformat(),
    }
    assert staff.post(BASE + "configuration/", configuration).status_code == 302
    assert staff.post(BASE + "allowlist/add/", {"learner": "listed", "notes": "Exempt"}).status_code == 302
    assert staff.post(BASE + "bulk/start/", {"kind": "regenerate", "statuses": ["awarded"]}).status_code == 302
    assert BulkRun.objects.filter(course_key=COURSE).exists()
    actions = set(AuditRecord.objects.filter(course_key=COURSE).values_list("action", flat=True))
    assert {"configured", "allowlisted", "revoked", "status_changed"} <= actions, actions

    owner = Client()
    owner.force_login(holder)
    assert owner.post("/credentials/records/share-links/").status_code == 302
    [credential] = api.get_program_credentials_for_user(holder.id)
    return {
        "staff": staff,
        "owner": owner,
        "holder": holder,
        "listed": listed,
        "certificates": certificates,
        "credential": credential,
        "share": RecordShareLink.objects.get(user=holder),
        "program": program,
    }


def test_no_staff_template_runs_a_query(site):
    staff, holder = site["staff"], site["holder"]
    pages = {
        "overview": ("", 200, "Certificates of this course"),
        "certificates": ("certificates/", 200, "grace@example.com"),
        "certificates filtered": ("certificates/?q=a&status=awarded&sort=-name", 200, "grace"),
        "learner": (f"learners/{holder.pk}/", 200, "Certificate Studies"),
        "allowlisted learner": ("learners/listed/", 200, "Exempt"),
        "allowlist": ("allowlist/", 200, "Exempt"),
        "bulk runs": ("bulk/", 200, "teacher"),
        "history": ("history/", 200, "Fraud"),
        "history filtered": ("history/?actor=teacher", 200, "teacher"),
        "programs": ("programs/", 200, "Certificate Studies"),
        "unknown learner": ("learners/nobody/", 404, "nobody"),
    }
    found = {name: visit(staff, BASE + path, status, text) for name, (path, status, text) in pages.items()}
    found["preview"] = visit(staff, BASE + "preview/", 200, "Certificates 101")
    found["configuration refused"] = visit(
        staff, BASE + "configuration/", 400, "Certificates of this course", method="post", data={"minimum_grade": "x"}
    )
    found["allowlist refused"] = visit(
        staff, BASE + "allowlist/add/", 400, "Exempt", method="post", data={"learner": ""}
    )
    assert_none_ran(found)


def test_the_history_shows_a_configuration_and_an_allowlist_change(site):
    html = site["staff"].get(BASE + "history/").content.decode()
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    assert any("The course" in row and "teacher" in row for row in rows)  # the configuration change
    assert any("listed" in row and "Exempt" in row for row in rows)  # the allowlist change


def test_no_public_template_runs_a_query(site, client):
    certificates, credential = site["certificates"], site["credential"]
    found = {
        "awarded certificate": visit(client, f"/credentials/certificates/{certificates['grace'].uuid}/", 200, "Ada"),
        "awarded certificate, owner": visit(
            site["owner"], f"/credentials/certificates/{certificates['grace'].uuid}/", 200, "Congratulations"
        ),
        "revoked certificate": visit(client, f"/credentials/certificates/{certificates['rex'].uuid}/", 410, "revoked"),
        "not passing certificate": visit(
            client, f"/credentials/certificates/{certificates['dora'].uuid}/", 410, "no longer meets"
        ),
        "unknown certificate": visit(
            client, "/credentials/certificates/6f1c5c9e-1111-4a4a-9c9c-123456789abc/", 404, "not found"
        ),
        "program": visit(client, f"/credentials/programs/{credential.uuid}/", 200, "Certificate Studies"),
        "learner record": visit(site["owner"], "/credentials/records/", 200, "Certificate Studies"),
        "shared record": visit(client, f"/credentials/records/{site['share'].uuid}/", 200, "Certificate Studies"),
        "verify": visit(client, "/credentials/verify/", 200, "Verify"),
        "verify an id": visit(client, f"/credentials/verify/?certificate={certificates['grace'].uuid}", 200, "Valid."),
    }
    api.revoke_program_credential(credential.uuid, reason="Withdrawn")
    found["revoked program"] = visit(client, f"/credentials/programs/{credential.uuid}/", 410, "revoked")
    assert_none_ran(found)
