"""
Hostile input on every route the plugin mounts: HTML pages and the REST API.

The routes are read by walking ``credentials_plugin.urls`` (a new route without a case here fails
``test_every_route_has_a_case``). Each route is called, as anonymous, a learner, course staff and
global staff, with:

- too long values (10,000 characters), wrong types (JSON where a form is expected, a JSON array,
  numbers, repeated parameters), scripts (``<script>``, an ``onerror`` attribute breaking out of
  a quoted attribute, ``javascript:`` URLs), path tricks (``../``, ``%2e%2e%2f``, NUL, a Cyrillic
  homoglyph), in every query parameter and every form field the plugin reads;
- the same hostile values in each path parameter, and malformed course keys and UUIDs;
- GET and POST (with a CSRF token, and without), and for the API also PUT, PATCH and DELETE.

Whatever the answer, it is never a 5xx; an HTML body never carries a payload unescaped (no
script, no ``javascript:`` link); the API's errors, and every body that says it is JSON, are JSON.
The REST API's schema-driven fuzz is ``test_api_fuzz.py``; this adds what no schema describes.
"""

import json
import os
import re
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from credentials_plugin import api
from credentials_plugin.backends import event_facts
from credentials_plugin.backends.base import COURSE_STAFF_ROLE
from credentials_plugin.models import BulkRun, CourseCertificate, ProgramCredential, RecordShareLink
from tests.conftest import COURSE, send_enrollment, send_grade, send_passing

LONG = "x" * 10_000
SCRIPTS = {
    "script tag": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "javascript url": "javascript:alert(1)",
}
#: category -> hostile values, each sent in every query parameter and form field.
PAYLOADS = {
    "too long": [LONG, "<" * 10_000],
    "wrong type": ["12345678901234567890", "-1", "1e309", "[1, 2]", '{"a": {"b": []}}', "true"],
    "script": list(SCRIPTS.values()),
    "path trick": ["../../etc/passwd", "%2e%2e%2f%2e%2e%2f", "a\x00b", "..\\..\\windows", "\u0430dmin"],  # a Cyrillic a
}
#: Hostile values for path parameters (the client quotes them; the server unquotes).
PATH_PAYLOADS = [
    "../../etc/passwd",
    "%2e%2e%2f",
    "%00",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "\u0501emoX",  # a Cyrillic d
    LONG,
    "course-v1:DemoX+Cert101",  # a malformed course key: no run
    "00000000-0000-0000-0000-00000000000g",  # a malformed uuid
    "0" * 40,
]
QUERY_NAMES = ["q", "certificate", "learner", "actor", "action", "status", "statuses", "mode", "sort", "page"]
QUERY_NAMES += ["page_size", "search", "kind", "format", "next", "lang"]
FORM_NAMES = [
    *("credential", "reason", "notes", "learner", "identifier", "user_id", "enabled", "eligible_modes"),
    *("minimum_grade", "id_verification_required", "availability", "available_date", "show_grade"),
    *("on_grade_drop", "title_override", "language", "validity_days", "kind", "statuses", "status", "next"),
    *("title", "requirements", "program_type", "certificate", "expires_in_days", "share_uuid"),
    *(f"{action}-reason" for action in ("issue", "revoke", "reinstate", "regenerate")),
]
API_METHODS = ("post", "put", "patch", "delete")
#: CREDENTIALS_PLUGIN_HOSTILE_ALL=1: every payload as every user (about twice the requests).
SEND_EVERY_PAYLOAD = bool(os.environ.get("CREDENTIALS_PLUGIN_HOSTILE_ALL"))
JAVASCRIPT_LINK = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
TRIED = Counter()


# ---------------------------------------------------------------------------
# Routes and their cases
# ---------------------------------------------------------------------------


def walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield pattern.name or prefix + str(pattern.pattern), "/" + prefix + str(pattern.pattern)


ROUTES = dict(walk(get_resolver("credentials_plugin.urls")))

#: route -> its path parameters, each named by a seeded value (see ``seeded``). A regular-expression
#: route (the API's catch-alls) gives the path to call instead, with {} where the hostile value goes.
CASES = {
    "certificate": {"certificate_uuid": "awarded"},
    "lms_certificate_link": {"verify_uuid": "verify_uuid"},
    "lms_certificate_link_here": {"verify_uuid": "verify_uuid"},
    "certificate_card": {"certificate_uuid": "awarded"},
    "certificate_qr": {"certificate_uuid": "awarded"},
    "certificate_credential": {"certificate_uuid": "awarded"},
    "certificate_share": {"certificate_uuid": "awarded", "network": "share_network"},
    "program_credential_json": {"credential_uuid": "program_credential"},
    "status_list": {"list_id": "status_list"},
    "certificate_wallet": {"certificate_uuid": "awarded"},
    "certificate_badge_png": {"certificate_uuid": "awarded"},
    "certificate_badge_svg": {"certificate_uuid": "awarded"},
    "wallet_exchange": "/credentials/wallet/exchanges/{}/",
    "oid4vci_offer": "/credentials/wallet/oid4vci/offers/{}/",
    "oid4vci_token": {},
    "oid4vci_credential": {},
    "oid4vci_metadata": {},
    "oauth_metadata": {},
    "verify": {},
    "did_document": {},
    "program_credential": {"credential_uuid": "program_credential"},
    "imported_program_credential": {"service_uuid": "imported_program_credential"},
    "program_credential_qr": {"credential_uuid": "program_credential"},
    "record": {},
    "record_csv": {},
    "record_json": {},
    "record_share_create": {},
    "record_share_revoke": {"share_uuid": "share"},
    "shared_record": {"share_uuid": "share"},
    "shared_record_json": {"share_uuid": "share"},
    "organization_theme": {"org": "org"},
    "certificate_preview": {"course_key": "course"},
    "staff_overview": {"course_key": "course"},
    "staff_configure": {"course_key": "course"},
    "staff_certificates": {"course_key": "course"},
    "staff_certificates_csv": {"course_key": "course"},
    "staff_learner_lookup": {"course_key": "course"},
    "staff_learner": {"course_key": "course", "identifier": "learner"},
    "staff_learner_action": {"course_key": "course", "identifier": "learner", "action": "learner_action"},
    "staff_allowlist": {"course_key": "course"},
    "staff_allowlist_add": {"course_key": "course"},
    "staff_allowlist_remove": {"course_key": "course"},
    "staff_allowlist_upload": {"course_key": "course"},
    "staff_bulk": {"course_key": "course"},
    "staff_bulk_start": {"course_key": "course"},
    "staff_history": {"course_key": "course"},
    "staff_programs": {"course_key": "course"},
    "staff_engagement": {"course_key": "course"},
    "staff_program_credential_action": {
        "course_key": "course",
        "credential_uuid": "program_credential",
        "action": "credential_action",
    },
    "api-v1-schema": {},
    "api-v1-my-certificates": {},
    "api-v1-certificate": {"uuid": "awarded"},
    "api-v1-certificate-revoke": {"uuid": "awarded"},
    "api-v1-certificate-reinstate": {"uuid": "revoked"},
    "api-v1-certificate-regenerate": {"uuid": "awarded"},
    "api-v1-course-certificates": {"course_key": "course"},
    "api-v1-course-export": {"course_key": "course"},
    "api-v1-course-issue": {"course_key": "course", "learner": "learner"},
    "api-v1-course-configuration": {"course_key": "course"},
    "api-v1-course-allowlist": {"course_key": "course"},
    "api-v1-course-allowlist-csv": {"course_key": "course"},
    "api-v1-course-allowlist-entry": {"course_key": "course", "learner": "learner"},
    "api-v1-course-bulk-runs": {"course_key": "course"},
    "api-v1-course-bulk-run": {"course_key": "course", "run_id": "bulk_run"},
    "api-v1-course-history": {"course_key": "course"},
    "api-v1-course-engagement": {"course_key": "course"},
    "api-v1-certificate-engagement": {"uuid": "awarded"},
    "api-v1-verify": {},
    "api-v1-programs": {},
    "api-v1-program": {"program_uuid": "program"},
    "api-v1-program-credential": {"credential_uuid": "program_credential"},
    "api-v1-program-credential-revoke": {"credential_uuid": "program_credential"},
    "api-v1-program-credential-reinstate": {"credential_uuid": "program_credential"},
    "api-v1-my-record": {},
    "api-v1-my-share-links": {},
    "api-v1-my-share-link": {"share_uuid": "share"},
    "api/credentials_plugin/v1/^courses/(?P<course_id>[^/]+)/": "/api/credentials_plugin/v1/courses/{}/anything/",
    "api/credentials_plugin/v1/": "/api/credentials_plugin/v1/{}/",
}

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def test_every_route_has_a_case():
    assert sorted(ROUTES) == sorted(CASES), "add a case for each new route (and drop the ones removed)"


def route_path(name, values, *, hostile=None, hostile_in=None):
    """The path of route NAME with seeded VALUES, HOSTILE (quoted) in parameter HOSTILE_IN."""
    case = CASES[name]
    if isinstance(case, str):
        return case.format(quote(hostile if hostile is not None else "x", safe=""))

    def fill(match):
        parameter = match.group("name")
        if parameter == hostile_in:
            return quote(hostile, safe="")
        return quote(str(values[case[parameter]]), safe="")

    return PARAMETER.sub(fill, ROUTES[name])


# ---------------------------------------------------------------------------
# A seeded world and its users
# ---------------------------------------------------------------------------


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks, clock):
    """A configured course with certificates (one revoked), a program credential, a share link, a bulk run."""
    users = get_user_model().objects
    with django_capture_on_commit_callbacks(execute=True):
        api.configure_course(COURSE, show_grade=True)
        program = api.define_program(title="Hostile program", organizations=["DemoX"], requirements=[[COURSE]])
        learners = [users.create_user(f"hostile{n}", f"hostile{n}@example.com", "pw") for n in range(3)]
        for learner in learners:
            send_enrollment(learner, time=clock.tick())
            send_grade(learner, percent=0.9, time=clock.tick())
            send_passing(learner, time=clock.tick())
    certificates = list(CourseCertificate.objects.order_by("id"))
    global_staff = users.create_user("global", "global@example.com", "pw", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        api.revoke_certificate(certificates[1].uuid, reason="Seeded", actor=global_staff)
    course_staff = users.create_user("coursestaff", "coursestaff@example.com", "pw")
    event_facts.record_course_role(course_staff.pk, COURSE, COURSE_STAFF_ROLE, granted=True)
    values = {
        "awarded": certificates[0].uuid,
        "revoked": certificates[1].uuid,
        "verify_uuid": certificates[0].uuid.hex,  # an old LMS link (the takeover) to our certificate
        "program_credential": ProgramCredential.objects.filter(user=learners[0]).get().uuid,
        "imported_program_credential": _imported(ProgramCredential.objects.filter(user=learners[0]).get()),
        "program": program.uuid,
        "share": RecordShareLink.objects.create(user=learners[0]).uuid,
        "status_list": 1,
        "org": "DemoX",
        "course": COURSE,
        "learner": learners[0].username,
        "learner_action": "revoke",
        "credential_action": "revoke",
        "share_network": "linkedin",
        "bulk_run": BulkRun.objects.create(course_key=COURSE, kind=BulkRun.Kind.ISSUE_ELIGIBLE).pk,
    }
    return values, {
        "anonymous": None,
        "learner": learners[0],
        "course staff": course_staff,
        "global staff": global_staff,
    }


def _imported(credential):
    """Mark CREDENTIAL as imported from the `credentials` service; its address there (32 hex digits)."""
    credential.imported_uuid = uuid.uuid4()
    credential.save(update_fields=["imported_uuid"])
    return credential.imported_uuid.hex


def client_for(user):
    """A client that checks CSRF as a browser would, signed in as USER, holding a CSRF token."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(ROUTES["verify"])  # sets the csrftoken cookie
    return client


# ---------------------------------------------------------------------------
# What every answer must be
# ---------------------------------------------------------------------------


def check(response, request):
    TRIED["requests"] += 1
    assert response.status_code < 500, request
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("text/html"):
        html = body.decode()
        for payload in SCRIPTS.values():
            if payload != SCRIPTS["javascript url"]:
                assert payload not in html, ("unescaped", payload, request)
        assert not JAVASCRIPT_LINK.search(html), ("javascript: link", request)
    if "json" in content_type or (request[1].startswith("/api/") and response.status_code >= 400):
        assert "json" in content_type, ("not JSON", request)
        json.loads(body)


def send(client, method, path, request_label, **kwargs):
    response = getattr(client, method)(path, **kwargs)
    check(response, (method, path, request_label))
    return response


def payloads_for(user_number):
    """
    (category, value, number) of the payloads USER_NUMBER sends: every other one, so that each value
    reaches each route as one user who is refused and one who may read it (all with SEND_EVERY_PAYLOAD).
    """
    number = 0
    for category, values in PAYLOADS.items():
        for value in values:
            if SEND_EVERY_PAYLOAD or number % 2 == user_number % 2:
                yield category, value, number
            number += 1


def hostile_requests(client, user_number, path):
    """Payloads in every query parameter and every form field; for the API also as JSON, by each method in turn."""
    token = client.cookies["csrftoken"].value
    for category, value, number in payloads_for(user_number):
        TRIED[category] += 1
        send(client, "get", path, category, data=dict.fromkeys(QUERY_NAMES, value))
        send(client, "post", path, category, data={**dict.fromkeys(FORM_NAMES, value), "csrfmiddlewaretoken": token})
        if path.startswith("/api/"):
            method, body = API_METHODS[number % len(API_METHODS)], json.dumps(dict.fromkeys(FORM_NAMES, value))
            send(client, method, path, category, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    wrong_bodies = {
        "JSON where a form is expected": ('{"reason": "<script>alert(1)</script>"}', "application/json"),
        "a JSON array": ("[1, 2, 3]", "application/json"),
        "a number": ("42", "application/json"),
        "huge numbers in every field": (json.dumps(dict.fromkeys(FORM_NAMES, 10**20)), "application/json"),
        "nested objects in every field": (
            json.dumps({name: {"$gt": [None]} for name in FORM_NAMES}),
            "application/json",
        ),
        "broken JSON": ('{"reason": ', "application/json"),
        "a form where JSON is expected": ("reason=%3Cscript%3E&enabled=maybe", "application/x-www-form-urlencoded"),
        "repeated parameters": ("reason=a&reason=b&enabled=1&enabled=0", "application/x-www-form-urlencoded"),
    }
    for label, (body, content_type) in wrong_bodies.items():
        TRIED["wrong type"] += 1
        send(client, "post", path, label, data=body, content_type=content_type, HTTP_X_CSRFTOKEN=token)
    TRIED["no CSRF token"] += 1
    send(client, "post", path, "no CSRF token", data={"reason": SCRIPTS["script tag"]})


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_route_errs_or_reflects_a_script_whatever_it_is_sent(seeded, name):
    values, users = seeded
    for user_number, user in enumerate(users.values()):
        client = client_for(user)
        hostile_requests(client, user_number, route_path(name, values))
        for parameter in PARAMETER.findall(ROUTES[name]) if isinstance(CASES[name], dict) else [("", "")]:
            for hostile in PATH_PAYLOADS:
                TRIED["path parameter"] += 1
                path = route_path(name, values, hostile=hostile, hostile_in=parameter[1])
                send(client, "get", path, "hostile path")
                send(client, "post", path, "hostile path", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


def test_report_what_was_tried():
    """Runs last in this module: prints the counts (pytest -s) for the issue's report."""
    print(f"hostile input: {dict(TRIED)}")
