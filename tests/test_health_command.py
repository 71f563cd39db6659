"""The credentials_health command: each check's verdict on sound and broken installations."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

pytestmark = pytest.mark.django_db

SOUND = {"CREDENTIALS_PLUGIN_PUBLIC_BASE_URL": "https://learn.example.org"}


def health(**settings):
    """(verdicts by check name, exit code) of `credentials_health --json` under SETTINGS."""
    out = StringIO()
    exit_code = 0
    with override_settings(**{**SOUND, **settings}):
        try:
            call_command("credentials_health", "--json", stdout=out)
        except CommandError as error:
            exit_code = error.returncode
    verdicts = {}
    for result in json.loads(out.getvalue()):
        verdicts.setdefault(result["check"], []).append((result["status"], result["message"]))
    return verdicts, exit_code


def statuses(verdicts, check):
    return [status for status, _ in verdicts[check]]


def test_a_sound_installation_passes_every_check_but_the_optional_celery():
    verdicts, exit_code = health()

    assert exit_code == 0
    assert {check: statuses(verdicts, check) for check in verdicts} == {
        "settings": ["OK"],
        "backend setting": ["OK"],
        "public base URL": ["OK"],
        "eligible modes": ["OK"],
        "preview card fonts": ["OK"],
        "verify rate limit": ["OK"],
        "signing key": ["OK"],
        "JSON-LD contexts": ["OK"],
        "sign and verify": ["OK"],
        "database": ["OK"],
        "backend": ["OK"],
        "celery": ["WARN"],  # the test settings have no broker: bulk runs run in the request
        "event handling": ["OK"],
        "takeover": ["OK"],
    }
    assert "test-key-1" in verdicts["sign and verify"][0][1]


def test_missing_dejavu_fonts_are_a_warning_that_names_the_package(monkeypatch):
    from credentials_plugin.web import preview_cards

    monkeypatch.setattr(preview_cards, "FONT_FOLDERS", ("/nonexistent/fonts",))
    verdicts, _exit_code = health()
    assert statuses(verdicts, "preview card fonts") == ["WARN"]
    assert "fonts-dejavu-core" in verdicts["preview card fonts"][0][1]


def test_the_text_output_prints_one_line_per_check_with_its_status():
    out = StringIO()
    with override_settings(**SOUND):
        call_command("credentials_health", stdout=out, no_color=True)

    lines = out.getvalue().splitlines()
    assert "OK   signing key: test-key-1 signs; 0 other key(s) only verify." in lines
    assert any(line.startswith("WARN celery: No CELERY_BROKER_URL") for line in lines)


def test_without_a_signing_key_it_fails_yet_proves_the_contexts_with_a_throwaway_key():
    verdicts, exit_code = health(CREDENTIALS_PLUGIN_SIGNING_KEYS=[], CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE="")

    assert exit_code == 1
    assert statuses(verdicts, "signing key") == ["FAIL"]
    assert "signing_keys create" in verdicts["signing key"][0][1]
    assert verdicts["sign and verify"] == [("OK", verdicts["sign and verify"][0][1])]
    assert "throwaway key" in verdicts["sign and verify"][0][1]


def test_a_corrupt_keys_file_fails_with_its_path(tmp_path):
    keys_file = tmp_path / "keys.json"
    keys_file.write_text("{not json")

    verdicts, exit_code = health(
        CREDENTIALS_PLUGIN_SIGNING_KEYS=[], CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE=str(keys_file)
    )

    assert exit_code == 1
    ((status, message),) = verdicts["signing key"]
    assert status == "FAIL"
    assert str(keys_file) in message and "not valid JSON" in message


def test_missing_json_ld_contexts_fail_the_round_trip(tmp_path):
    verdicts, exit_code = health(CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR=str(tmp_path))

    assert exit_code == 1
    ((status, message),) = verdicts["sign and verify"]
    assert status == "FAIL" and str(tmp_path) in message


@pytest.mark.parametrize(
    ("settings", "check"),
    [
        ({"CREDENTIALS_PLUGIN_BACKEND": "no.such.Backend"}, "backend setting"),
        ({"CREDENTIALS_PLUGIN_PUBLIC_BASE_URL": "learn.example.org"}, "public base URL"),
        ({"CREDENTIALS_PLUGIN_PUBLIC_BASE_URL": "javascript:alert(1)"}, "public base URL"),
        ({"CREDENTIALS_PLUGIN_DEFAULT_ELIGIBLE_MODES": ["verified", 3]}, "eligible modes"),
        ({"CREDENTIALS_PLUGIN_DEFAULT_ELIGIBLE_MODES": "verified"}, "settings"),
        ({"CREDENTIALS_PLUGIN_BATCH_SIZE": "500"}, "settings"),
        ({"CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT": "lots"}, "verify rate limit"),
        ({"CREDENTIALS_PLUGIN_EVENT_HANDLING": "both"}, "event handling"),
        ({"CREDENTIALS_PLUGIN_EVENT_HANDLING": "event_bus"}, "event handling"),  # no EVENT_BUS_CONSUMER
    ],
)
def test_a_bad_setting_fails_its_check_with_exit_code_1(settings, check):
    verdicts, exit_code = health(**settings)

    assert exit_code == 1
    assert "FAIL" in statuses(verdicts, check)


def test_a_misspelled_setting_is_a_warning():
    verdicts, exit_code = health(CREDENTIALS_PLUGIN_HONOUR_CERTIFICATES=True)

    assert exit_code == 0
    assert ("WARN", "Unknown settings (misspelled?), ignored: CREDENTIALS_PLUGIN_HONOUR_CERTIFICATES.") in verdicts[
        "settings"
    ]


def test_no_rate_limit_on_verifying_is_allowed_but_warned():
    verdicts, exit_code = health(CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT=None)

    assert exit_code == 0
    assert statuses(verdicts, "settings") == ["OK"]
    assert statuses(verdicts, "verify rate limit") == ["WARN"]


@pytest.mark.database_specific
def test_an_unapplied_migration_fails_and_names_it():
    (_, newest), *_ = MigrationLoader(connection).graph.leaf_nodes("credentials_plugin")
    MigrationRecorder.Migration.objects.filter(app="credentials_plugin", name=newest).delete()

    verdicts, exit_code = health()

    assert exit_code == 1
    ((status, message),) = verdicts["database"]
    assert status == "FAIL"
    assert f"credentials_plugin.{newest}" in message


def test_event_bus_mode_warns_about_events_the_lms_does_not_publish():
    published = {"org.openedx.learning.course.passing.status.updated.v1": {"credentials": {"enabled": True}}}

    verdicts, exit_code = health(
        CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus",
        EVENT_BUS_CONSUMER="edx_event_bus_redis.RedisEventConsumer",
        EVENT_BUS_PRODUCER_CONFIG=published,
    )

    assert exit_code == 0
    ((status, message),) = verdicts["event handling"]
    assert status == "WARN"
    assert "org.openedx.learning.course.enrollment.created.v1" in message
    assert "org.openedx.learning.course.passing.status.updated.v1" not in message


def test_the_celery_check_never_prints_the_brokers_password():
    verdicts, _ = health(CELERY_BROKER_URL="redis://celery:s3cret-pass@redis.internal:6379/0")

    ((status, message),) = verdicts["celery"]
    assert status == "OK"
    assert "redis://redis.internal" in message and "s3cret" not in message
