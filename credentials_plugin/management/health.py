"""
Health checks an operator runs after installing or reconfiguring the plugin (``credentials_health``).

Each check returns a ``CheckResult``: OK, WARN (works, but probably not as intended) or FAIL (something
learners or staff will hit). Checks only read: they change no row, send no event, call no network.
"""

from __future__ import annotations

import os
import re
import stat
import uuid
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.module_loading import import_string
from opaque_keys.edx.keys import CourseKey

from credentials_plugin.conf import DEFAULTS, PREFIX, plugin_settings
from credentials_plugin.web.preview_cards import fonts_available

OK, WARN, FAIL = "OK", "WARN", "FAIL"
APP_LABEL = "credentials_plugin"
# A course key no site has: asking the backend about it reads without finding anything.
PROBE_COURSE = "course-v1:credentials_plugin+health_check+probe"
# Settings whose None is a documented value (their default has another type).
NONE_ALLOWED = {"VERIFY_RATE_LIMIT", "VERIFY_PASTED_RATE_LIMIT"}
# A rate as Django REST framework reads it: a count per second, minute, hour or day.
RATE_PATTERN = re.compile(r"[0-9]+/(second|minute|hour|day|s|m|h|d)")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, in plain words."""

    check: str
    status: str
    message: str

    def as_dict(self):
        return asdict(self)


def run_checks() -> list[CheckResult]:
    """Every check, in the order an operator fixes things."""
    return [result for check in CHECKS for result in check()]


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def check_settings():
    """Each CREDENTIALS_PLUGIN_* setting has its default's type; no setting is misspelled."""
    problems = []
    for name, default in DEFAULTS.items():
        value = getattr(plugin_settings, name)
        if value is None and name in NONE_ALLOWED:
            continue
        if not isinstance(value, _setting_type(default)):
            expected = "list" if isinstance(default, list) else type(default).__name__
            problems.append(f"{PREFIX}{name} should be a {expected}, not {type(value).__name__}")
    unknown = sorted(name for name in dir(settings) if name.startswith(PREFIX) and name[len(PREFIX) :] not in DEFAULTS)
    unknown = [name for name in unknown if name != f"{PREFIX}INSTALLED"]  # set by the plugin's own settings hook
    if problems:
        yield CheckResult("settings", FAIL, "; ".join(problems) + ".")
    else:
        yield CheckResult("settings", OK, f"{len(DEFAULTS)} settings have the expected types.")
    if unknown:
        yield CheckResult("settings", WARN, f"Unknown settings (misspelled?), ignored: {', '.join(unknown)}.")


def _setting_type(default):
    """What a setting's value may be: a list setting may be a tuple too."""
    return (list, tuple) if isinstance(default, list) else type(default)


def check_backend_setting():
    """BACKEND is "auto" or the dotted path of a class that imports."""
    path = plugin_settings.BACKEND
    if path == "auto":
        yield CheckResult("backend setting", OK, "auto: edx-platform inside the LMS, the standalone backend elsewhere.")
        return
    try:
        import_string(path)
    except ImportError as error:
        yield CheckResult(
            "backend setting",
            FAIL,
            f'{PREFIX}BACKEND {path!r} cannot be imported ({error}): set it to "auto" (the default) or to the '
            "dotted path of a Backend class.",
        )
        return
    yield CheckResult("backend setting", OK, f"{path}.")


def check_public_base_url():
    """Public links and the issuer's did:web need an absolute http(s) base URL."""
    name = f"{PREFIX}PUBLIC_BASE_URL" if plugin_settings.PUBLIC_BASE_URL else "LMS_ROOT_URL"
    url = plugin_settings.PUBLIC_BASE_URL or getattr(settings, "LMS_ROOT_URL", "")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        yield CheckResult(
            "public base URL", FAIL, f"{name} must be an absolute http(s) URL (https://lms.example.com), not {url!r}."
        )
    elif parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1"):
        yield CheckResult("public base URL", WARN, f"{name} is {url}: public links and the DID should use https.")
    else:
        yield CheckResult("public base URL", OK, f"{url} (from {name}).")


def check_preview_card_fonts():
    """Preview cards are drawn with DejaVu; without it, Pillow's plainer built-in font."""
    if fonts_available():
        yield CheckResult("preview card fonts", OK, "DejaVu fonts found: cards cover Latin, Greek, Cyrillic, Arabic.")
    else:
        yield CheckResult(
            "preview card fonts",
            WARN,
            "DejaVu fonts are missing: preview cards use Pillow's built-in font (Latin only). "
            "Install them (Debian/Ubuntu: apt-get install fonts-dejavu-core).",
        )


def check_eligible_modes():
    """DEFAULT_ELIGIBLE_MODES is a non-empty list of mode slugs."""
    modes = plugin_settings.DEFAULT_ELIGIBLE_MODES
    if not isinstance(modes, (list, tuple)) or not modes or not all(isinstance(mode, str) and mode for mode in modes):
        yield CheckResult(
            "eligible modes", FAIL, f"{PREFIX}DEFAULT_ELIGIBLE_MODES must be a non-empty list of mode names."
        )
    elif "audit" in modes:
        yield CheckResult("eligible modes", WARN, "'audit' is listed, but audit enrollments never earn a certificate.")
    else:
        yield CheckResult("eligible modes", OK, ", ".join(modes) + ".")


def check_verify_rate_limit():
    """The verify rate limits read as "<number>/<second|minute|hour|day>" (or None), and the trusted proxies parse."""
    from credentials_plugin.web.throttling import proxies_problem

    rates = {name: getattr(plugin_settings, name) for name in ("VERIFY_RATE_LIMIT", "VERIFY_PASTED_RATE_LIMIT")}
    wrong = [
        f"{PREFIX}{name} must read like '60/minute', not {rate!r}"
        for name, rate in rates.items()
        if rate is not None and not (isinstance(rate, str) and RATE_PATTERN.fullmatch(rate))
    ]
    problem = proxies_problem(plugin_settings.TRUSTED_PROXIES)
    if problem:
        wrong.append(f'{PREFIX}TRUSTED_PROXIES: {problem} (e.g. ["172.16.0.0/12"])')
    if wrong:
        yield CheckResult("verify rate limit", FAIL, "; ".join(wrong) + ".")
        return
    if rates["VERIFY_RATE_LIMIT"] is None:
        yield CheckResult("verify rate limit", WARN, "None: anyone may ask for verifications without limit.")
        return
    proxies = ", ".join(map(str, plugin_settings.TRUSTED_PROXIES)) or "none (clients are counted by REMOTE_ADDR)"
    yield CheckResult(
        "verify rate limit",
        OK,
        f"{rates['VERIFY_RATE_LIMIT']} per client, {rates['VERIFY_PASTED_RATE_LIMIT'] or 'no other limit'} "
        f"for pasted credentials; trusted proxies: {proxies}.",
    )


# ---------------------------------------------------------------------------
# Verifiable credentials
# ---------------------------------------------------------------------------


def check_signing_key():
    """A key that signs is configured, and every configured key parses."""
    from credentials_plugin.vc.keys import SigningKeyMissing, signing_key, verification_keys

    try:
        key = signing_key()
        keys = verification_keys()
    except SigningKeyMissing:
        yield CheckResult(
            "signing key",
            FAIL,
            "No key signs verifiable credentials: set CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE and run "
            "`manage.py lms signing_keys create`.",
        )
        return
    except ImproperlyConfigured as error:
        yield CheckResult("signing key", FAIL, str(error))
        return
    retired = len(keys) - 1
    yield CheckResult("signing key", OK, f"{key.key_id} signs; {retired} other key(s) only verify.")


def check_keys_file_permissions():
    """The signing keys file, when there is one, is readable by its owner alone."""
    path = plugin_settings.SIGNING_KEYS_FILE
    if not path:
        return
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return  # a missing or unreadable file is the signing key check's to report
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        yield CheckResult(
            "signing keys file",
            FAIL,
            f"The signing keys file {path} can be read by other users (mode {mode:04o}): run `chmod 600 {path}`.",
        )
    else:
        yield CheckResult("signing keys file", OK, f"{path} is readable by its owner alone.")


def check_json_ld_contexts():
    """The pinned JSON-LD contexts load (from the package, or the folder the setting names)."""
    from credentials_plugin.vc.contexts import ContextsUnavailable, contexts_dir, document_loader

    try:
        document_loader.require_all()
    except ContextsUnavailable as error:
        yield CheckResult("JSON-LD contexts", FAIL, error.args[0] if error.args else str(error))
        return
    yield CheckResult("JSON-LD contexts", OK, f"The pinned contexts load from {contexts_dir()}.")


def check_sign_and_verify():
    """
    A tiny credential signs and verifies: the JSON-LD contexts load and canonicalization works
    (with the site's key when it has one, else a throwaway key).
    """
    from credentials_plugin.vc import contexts, proofs
    from credentials_plugin.vc.keys import SigningKey, signing_key

    try:
        key = signing_key()
        which = f"the key {key.key_id}"
    except ImproperlyConfigured:
        private_key = Ed25519PrivateKey.generate()
        key = SigningKey("health-check", private_key.public_key(), private_key)
        which = "a throwaway key (the site has none)"
    try:
        for url in contexts.PINNED_CONTEXTS:
            contexts.document_loader(url)
        signed = proofs.sign(_probe_credential(), key)
        verdict = proofs.verify_proof(signed, lambda method: key.public_key)
    except Exception as error:  # noqa: BLE001 (any failure here is what the operator must see)
        yield CheckResult("sign and verify", FAIL, f"Signing a test credential failed: {error}")
        return
    if not verdict.ok:
        yield CheckResult("sign and verify", FAIL, f"A test credential did not verify: {verdict.reason}")
    else:
        yield CheckResult("sign and verify", OK, f"A test credential signed with {which} verifies; contexts load.")


def _probe_credential():
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:health-check",
        "validFrom": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": f"urn:uuid:{uuid.uuid4()}"},
    }


# ---------------------------------------------------------------------------
# What the plugin runs on
# ---------------------------------------------------------------------------


def check_database():
    """The database answers and every migration of the plugin is applied."""
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] == APP_LABEL]
        pending = [f"{migration.app_label}.{migration.name}" for migration, _ in executor.migration_plan(targets)]
    except DatabaseError as error:
        yield CheckResult("database", FAIL, f"The database does not answer: {error}.")
        return
    if pending:
        yield CheckResult(
            "database", FAIL, f"Migrations not applied: {', '.join(pending)}. Run `manage.py lms migrate {APP_LABEL}`."
        )
    else:
        yield CheckResult("database", OK, f"{connection.vendor} answers; the plugin's migrations are applied.")


def check_backend():
    """The LMS backend loads and answers a cheap question."""
    from credentials_plugin.backends import get_backend

    try:
        backend = get_backend()
        backend.get_course(CourseKey.from_string(PROBE_COURSE))
    except Exception as error:  # noqa: BLE001 (whatever the platform raises, the operator must see it)
        yield CheckResult("backend", FAIL, f"The backend does not answer: {type(error).__name__}: {error}.")
        return
    yield CheckResult("backend", OK, f"{type(backend).__module__}.{type(backend).__name__} answers.")


def check_celery():
    """Bulk runs and signing go to Celery workers when a broker is configured."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not broker:
        yield CheckResult("celery", WARN, "No CELERY_BROKER_URL: bulk runs run in the web request that starts them.")
    elif getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        yield CheckResult("celery", WARN, "CELERY_TASK_ALWAYS_EAGER is on: bulk runs run in the web request.")
    else:
        parts = urlsplit(broker)  # never print the broker's credentials
        yield CheckResult("celery", OK, f"Tasks go to the workers through {parts.scheme}://{parts.hostname or ''}.")


def check_event_handling():
    """The event-handling mode is known, and in event-bus mode the bus is configured to bring our events."""
    from credentials_plugin.integrations.event_receivers import IN_PROCESS, event_handling

    try:
        mode = event_handling()
    except ImproperlyConfigured as error:
        yield CheckResult("event handling", FAIL, f"{error}.")
        return
    if mode == IN_PROCESS:
        yield CheckResult("event handling", OK, "in_process: the LMS processes that send events handle them.")
        return
    if not getattr(settings, "EVENT_BUS_CONSUMER", ""):
        yield CheckResult(
            "event handling",
            FAIL,
            "event_bus mode, but EVENT_BUS_CONSUMER is not set, so no event is ever handled: configure the event "
            f'bus (docs/scale-out.md) or set {PREFIX}EVENT_HANDLING = "in_process".',
        )
        return
    missing = _events_not_published()
    if missing:
        yield CheckResult(
            "event handling",
            WARN,
            "event_bus mode, but EVENT_BUS_PRODUCER_CONFIG publishes none of these events, which are then "
            f"never handled: {', '.join(missing)}. Add them, enabled, to EVENT_BUS_PRODUCER_CONFIG "
            "(credentials_plugin.event_bus.producer_config() gives the entries).",
        )
    else:
        yield CheckResult("event handling", OK, "event_bus: a consume_events worker handles the events.")


def check_takeover():
    """Owned courses (the takeover) have the step that stops the LMS's own certificates app configured."""
    owned = plugin_settings.TAKEOVER_COURSES
    if not owned:
        yield CheckResult("takeover", OK, "The plugin owns no course: the LMS's certificates app works beside it.")
        return
    step = "credentials_plugin.pipeline.PreventBuiltInCertificates"
    config = getattr(settings, "OPEN_EDX_FILTERS_CONFIG", {}) or {}
    pipeline = (config.get("org.openedx.learning.certificate.creation.requested.v1") or {}).get("pipeline") or []
    if step not in pipeline:
        yield CheckResult(
            "takeover",
            WARN,
            f"{PREFIX}TAKEOVER_COURSES names owned courses, but {step} is not in the "
            "org.openedx.learning.certificate.creation.requested.v1 pipeline: the LMS's certificates app still "
            "creates certificates there, beside ours (docs/takeover.md, step 3).",
        )
        return
    yield CheckResult("takeover", OK, f"Owned courses: {owned}; the LMS's certificates app creates none there.")


def _events_not_published():
    """Event types our receivers handle that no enabled producer topic carries."""
    from credentials_plugin.integrations.event_receivers import RECEIVERS

    config = getattr(settings, "EVENT_BUS_PRODUCER_CONFIG", {}) or {}
    published = {
        event_type
        for event_type, topics in config.items()
        if isinstance(topics, dict) and any(isinstance(t, dict) and t.get("enabled") for t in topics.values())
    }
    return sorted({signal.event_type for signal, _ in RECEIVERS} - published)


CHECKS = (
    check_settings,
    check_backend_setting,
    check_public_base_url,
    check_eligible_modes,
    check_preview_card_fonts,
    check_verify_rate_limit,
    check_signing_key,
    check_keys_file_permissions,
    check_json_ld_contexts,
    check_sign_and_verify,
    check_database,
    check_backend,
    check_celery,
    check_event_handling,
    check_takeover,
)
