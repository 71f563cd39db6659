"""
Every ``CREDENTIALS_PLUGIN_*`` setting, with its default, in one place.

Read them as ``plugin_settings.NAME`` (without the prefix). Each read goes to
``django.conf.settings`` at that moment, so ``override_settings`` works and nothing
is frozen at import time.
"""

from django.conf import settings

PREFIX = "CREDENTIALS_PLUGIN_"

DEFAULTS = {
    # Dotted path of the LMS backend class, or "auto": edx-platform when it is importable,
    # else the standalone backend that keeps what it needs from openedx-events.
    "BACKEND": "auto",
    # Enrollment modes that earn a certificate unless a course configures its own list.
    # "audit" never does; "honor" does only when HONOR_CERTIFICATES is on.
    "DEFAULT_ELIGIBLE_MODES": [
        "verified",
        "professional",
        "no-id-professional",
        "credit",
        "masters",
        "executive-education",
        "paid-executive-education",
        "paid-bootcamp",
    ],
    "HONOR_CERTIFICATES": False,
    # Where the receivers act on the LMS's openedx-events, the same value on every LMS process:
    # "in_process": in the process that sends them (events re-sent by an event-bus consumer are ignored);
    # "event_bus": only in a `consume_events` worker fed by the event bus (the senders' own copies are
    # ignored). Either way each event is handled once. See docs/scale-out.md.
    "EVENT_HANDLING": "in_process",
    # Deprecated: False means EVENT_HANDLING = "event_bus".
    "HANDLE_EVENTS_IN_PROCESS": True,
    # Absolute base of public URLs ("https://lms.example.com"); empty means LMS_ROOT_URL.
    "PUBLIC_BASE_URL": "",
    # Extra template folders searched before the packaged templates (organization themes).
    "THEME_DIRS": [],
    # Seconds a course configuration stays in Django's cache (it is also dropped on save).
    "CONFIG_CACHE_SECONDS": 300,
    # Rows per batch for reconcile and other walks over a whole course.
    "BATCH_SIZE": 500,
    # Times a transaction is retried after a database deadlock or lock-wait timeout.
    "DEADLOCK_RETRIES": 3,
    # Ed25519 keys that sign verifiable credentials, newest first: each a dict with "id" and
    # "private_key" (multibase, as the signing_keys command writes it), or "public_key" alone for
    # a retired key that still verifies. The first key with a private key signs.
    "SIGNING_KEYS": [],
    # A JSON file (outside the database, readable only by the LMS) holding more such keys,
    # read after SIGNING_KEYS; `manage.py signing_keys create|rotate|list|retire` writes it (mode 0600).
    "SIGNING_KEYS_FILE": "",
    # A folder to read the pinned JSON-LD context files from instead of the package's own copies
    # (vc/jsonld/); empty: the package's. Each file must match its pinned SHA-256. Never the network.
    "JSONLD_CONTEXTS_DIR": "",
    # Verifications each client (a signed-in user, else an IP address) may ask for, through the
    # verify API and the verify page together: "<number>/<second|minute|hour|day>"; None: unlimited.
    # Counted in Django's default cache (shared by every LMS process when it is memcached or Redis).
    "VERIFY_RATE_LIMIT": "60/minute",
    # A tighter limit, counted as well, on verifying a pasted or uploaded credential (the costly
    # path: a canonicalization each time); same format; None: only VERIFY_RATE_LIMIT applies.
    "VERIFY_PASTED_RATE_LIMIT": "10/minute",
    # Reading program credentials from the `credentials` service's REST API
    # (import_program_credentials --from-api; docs/takeover-programs.md): its API root
    # ("https://credentials.example.com/api/v2/"), the LMS's OAuth2 token URL
    # ("https://lms.example.com/oauth2/access_token") and a client-credentials application whose
    # service user may list credentials there; and the seconds to wait for each response.
    "CREDENTIALS_SERVICE_API_URL": "",
    "CREDENTIALS_SERVICE_TOKEN_URL": "",  # nosec B105  # (empty: unset)
    "CREDENTIALS_SERVICE_CLIENT_ID": "",
    "CREDENTIALS_SERVICE_CLIENT_SECRET": "",  # nosec B105  # (empty: unset)
    "CREDENTIALS_SERVICE_TIMEOUT_SECONDS": 30,
    # Requests each client address may make to the wallet endpoints (the VC-API exchange and
    # OpenID4VCI's token and credential endpoints, which wallets call without signing in); same
    # format; None: unlimited.
    "WALLET_RATE_LIMIT": "30/minute",
    # The reverse proxies in front of the LMS (IP addresses or networks, e.g. ["172.16.0.0/12"]).
    # A client's address is REMOTE_ADDR, unless that is one of these: then it is the right-most
    # X-Forwarded-For address that is not one of them. Empty: X-Forwarded-For is never read.
    "TRUSTED_PROXIES": [],
    # The Content-Security-Policy of the plugin's pages: "" (the default) sends a strict policy (no
    # inline script or style, frame-ancestors 'none'; web/security_headers.py); a string replaces
    # it (a theme with inline styles needs one); None sends none.
    "CONTENT_SECURITY_POLICY": "",
    # The course runs whose certificates the plugin owns instead of the LMS's certificates app
    # (docs/takeover.md): course keys, or ["*"] for every course. In an owned course the built-in app
    # creates nothing (pipeline.PreventBuiltInCertificates) and the LMS's GeneratedCertificate row
    # mirrors ours, pointing at our page, so the learner dashboard, progress page, profile and mobile
    # app show it. Empty: the plugin owns no course (the LMS's app keeps working beside it).
    "TAKEOVER_COURSES": [],
    # How learner messages leave: "auto" (edx-ace when it is an installed app with ACE_ENABLED_CHANNELS,
    # as in the LMS; else Django's email backend), "ace", "django", or "off" (none is queued or sent).
    "MESSAGE_DELIVERY": "auto",
    # The From address of messages sent through Django's email backend; empty: DEFAULT_FROM_EMAIL.
    "MESSAGE_FROM_EMAIL": "",
    # Count page views, share clicks, downloads and verifications per certificate per day (never who).
    "COUNT_ENGAGEMENT": True,
}


class PluginSettings:
    """Lazy view of the plugin's settings: attribute NAME reads CREDENTIALS_PLUGIN_NAME."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"{PREFIX}{name} is not a credentials_plugin setting")
        return getattr(settings, PREFIX + name, DEFAULTS[name])


plugin_settings = PluginSettings()
