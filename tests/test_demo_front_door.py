"""
The demo host's front door (issue #16): the root page lists what to look at with the sign-ins,
every link on it opens what it says, the sign-out works as the LMS's does, the logs stay quiet,
and `make demo` bootstraps only what the demo needs.
"""

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from credentials_plugin.core.decision_log import log_decision
from credentials_plugin.core.types import Cause
from credentials_plugin.statuses import CauseKind
from demo.log_filters import ChangesOnly
from demo.management.commands.seed_demo import DEFAULT_PASSWORD, LEARNER_PASSWORD
from demo.management.commands.seed_demo import Command as SeedDemo

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_templates(settings):
    """The demo app's templates (the test host does not install the demo app itself)."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(ROOT / "demo" / "templates")]}]


def test_an_empty_demo_says_how_to_seed_it(client, demo_templates):
    response = client.get("/")
    assert response.status_code == 200
    assert "The demo database is empty" in response.content.decode()


def test_the_front_door_lists_what_to_look_at_and_every_link_opens(demo_templates, capsys):
    SeedDemo().handle(password=DEFAULT_PASSWORD)
    client = Client()
    page = client.get("/").content.decode()
    for words in ("staff", DEFAULT_PASSWORD, "amara.okafor", "lucas.moreau", LEARNER_PASSWORD):
        assert words in page
    links = {label: href for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)}
    expected = {
        "A certificate": 200,
        "A certificate with its grade": 200,
        "A revoked certificate": 410,
        "No longer passing": 410,
        "Not public yet": 404,
        "Amara Okafor&#x27;s program certificate": 200,
        "Amara Okafor&#x27;s shared record": 200,
        "My learner record": 302,  # to the sign-in page
        "Overview and configuration": 302,
        "The verify page": 200,
        "Verify Amara&#x27;s certificate": 200,
        "Verify the revoked one": 200,
        "A signed credential (JSON)": 200,
    }
    assert {label: client.get(links[label].replace("&amp;", "&")).status_code for label in expected} == expected
    client.login(username="staff", password=DEFAULT_PASSWORD)
    for label in ("Overview and configuration", "Certificates", "One learner", "History", "Preview", "Django admin"):
        assert client.get(links[label]).status_code == 200, label
    assert "Signed in as <strong>staff</strong>" in client.get("/").content.decode()


def test_sign_out_is_a_link_as_in_the_lms(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/logout")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_is_styled_and_names_the_demo_sign_ins(client, demo_templates):
    page = client.get("/login/").content.decode()
    assert "demo/demo.css" in page and "demo-learner-2026" in page and 'name="username"' in page


def test_the_demo_logs_decisions_that_changed_something_only(caplog):
    handler_filter = ChangesOnly()
    cause = Cause(kind=CauseKind.EVENT, event_id="e1")
    with caplog.at_level(logging.INFO, logger="credentials_plugin.decisions"):
        for changed, new in ((False, "awarded"), (True, "revoked")):
            log_decision(
                subject={"course_key": "course-v1:A+B+C"},
                user_id=1,
                old_status="awarded",
                new_status=new,
                changed=changed,
                reason="r",
                cause=cause,
            )
    kept = [record for record in caplog.records if handler_filter.filter(record)]
    assert [record.decision for record in caplog.records] == ["unchanged", "changed"]
    assert [record.decision for record in kept] == ["changed"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bootstrap_for_the_demo_installs_neither_databases_nor_browsers(tmp_path):
    """A dry run in a copy of the tree (no .venv): the demo mode asks for base.txt only."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    shutil.copy(ROOT / "setup.py", tmp_path)

    def dry_run(*mode):
        done = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
            ["bash", str(tmp_path / "scripts" / "bootstrap.sh"), *mode, "--dry-run"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout

    demo = dry_run("--demo")
    assert "mode demo" in demo and "would pip install -r requirements/base.txt -c" in demo
    for heavy in ("mariadb", "redis", "chromium", "test.txt", "fonts-"):
        assert heavy not in demo
    assert "requirements/test.txt" in dry_run()
    assert not (tmp_path / ".venv").exists()  # a dry run changes nothing
