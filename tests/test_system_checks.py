"""
``manage.py check`` (which every LMS deploy runs) reports each misconfiguration of the plugin as a
warning with a stable id and a message that says how to fix it; a well-configured site gets none.
"""

import json
import os
from io import StringIO

import pytest
from django.core.checks import Warning as CheckWarning
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from credentials_plugin.management.commands.signing_keys import FILE_MODE


def plugin_messages():
    return [message for message in run_checks() if (message.id or "").startswith("credentials_plugin.")]


@pytest.fixture
def well_configured(settings):
    settings.LMS_ROOT_URL = "https://lms.example.com"


def test_a_well_configured_site_gets_no_message(well_configured):
    assert plugin_messages() == []


@pytest.mark.parametrize(
    ("setup", "check_id", "fix"),
    [
        pytest.param(
            {"CREDENTIALS_PLUGIN_SIGNING_KEYS": [], "CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE": ""},
            "credentials_plugin.W006",
            "run `manage.py lms signing_keys create`",
            id="no signing key",
        ),
        pytest.param(
            {"CREDENTIALS_PLUGIN_BACKEND": "nowhere.Backend"},
            "credentials_plugin.W002",
            'set it to "auto" (the default) or to the dotted path of a Backend class',
            id="unknown backend path",
        ),
        pytest.param(
            {"CREDENTIALS_PLUGIN_EVENT_HANDLING": "event_bus", "EVENT_BUS_CONSUMER": ""},
            "credentials_plugin.W009",
            'set CREDENTIALS_PLUGIN_EVENT_HANDLING = "in_process"',
            id="event-bus mode without a consumer",
        ),
        pytest.param(
            {
                "CREDENTIALS_PLUGIN_EVENT_HANDLING": "event_bus",
                "EVENT_BUS_CONSUMER": "edx_event_bus_redis.RedisEventConsumer",
                "EVENT_BUS_PRODUCER_CONFIG": {},
            },
            "credentials_plugin.W009",
            "Add them, enabled, to EVENT_BUS_PRODUCER_CONFIG",
            id="event-bus mode without our events published",
        ),
    ],
)
def test_each_misconfiguration_is_a_warning_saying_how_to_fix_it(well_configured, settings, setup, check_id, fix):
    for name, value in setup.items():
        setattr(settings, name, value)

    (message,) = plugin_messages()

    assert isinstance(message, CheckWarning)
    assert message.id == check_id
    assert fix in message.msg


def test_a_keys_file_others_can_read_is_reported_with_the_chmod_that_fixes_it(well_configured, settings, tmp_path):
    path = tmp_path / "signing-keys.json"
    path.write_text(json.dumps(settings.CREDENTIALS_PLUGIN_SIGNING_KEYS))
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS, settings.CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = [], str(path)
    os.chmod(path, 0o644)

    (message,) = plugin_messages()

    assert message.id == "credentials_plugin.W007"
    assert f"run `chmod 600 {path}`" in message.msg and "mode 0644" in message.msg
    os.chmod(path, FILE_MODE)
    assert plugin_messages() == []


def test_contexts_that_cannot_load_are_reported_naming_the_setting(well_configured, settings, tmp_path):
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = str(tmp_path)  # an empty folder

    (message,) = plugin_messages()

    assert message.id == "credentials_plugin.W008"
    assert str(tmp_path) in message.msg
    assert "leave CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR empty to use the package's copies" in message.msg


def test_manage_py_check_prints_them_and_fails_only_when_asked_to(well_configured, settings):
    settings.CREDENTIALS_PLUGIN_BACKEND = "nowhere.Backend"
    err = StringIO()

    call_command("check", stdout=StringIO(), stderr=err)  # a warning never stops a deploy's commands

    assert "(credentials_plugin.W002)" in err.getvalue()
    with pytest.raises(SystemCheckError, match=r"\(credentials_plugin\.W002\)"):
        call_command("check", fail_level="WARNING", stdout=StringIO(), stderr=StringIO())


def test_an_operator_can_silence_one_by_its_id(well_configured, settings):
    settings.CREDENTIALS_PLUGIN_BACKEND = "nowhere.Backend"
    settings.SILENCED_SYSTEM_CHECKS = ["credentials_plugin.W002"]
    err = StringIO()
    call_command("check", fail_level="WARNING", stdout=StringIO(), stderr=err)
    assert "credentials_plugin" not in err.getvalue()


def test_a_check_that_breaks_is_reported_and_stops_no_command(well_configured, settings):
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = 5  # not a path: the contexts check itself raises

    by_id = {message.id: message.msg for message in plugin_messages()}

    assert "the check itself failed: TypeError" in by_id["credentials_plugin.W008"]
    assert "JSONLD_CONTEXTS_DIR should be a str" in by_id["credentials_plugin.W001"]
    call_command("check", stdout=StringIO(), stderr=StringIO())  # warnings only: the command completes
