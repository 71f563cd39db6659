"""
Every limit on what staff, API clients and operators may send, defined once.

The staff forms, the API's serializers and the domain core all read these, so that the core
refuses what the pages and the API refuse (and nothing the pages take is refused by the API).
Nothing of the package is imported here.
"""

import re

from django.utils.translation import gettext as _

#: Characters in a reason (revoke, reinstate, an optional note) recorded in the audit trail.
MAX_REASON = 2_000
#: Days before a certificate's expiry when the learner is reminded.
EXPIRY_NOTICE_DAYS = 30
#: Days after an expiry in which the "expired" message is still sent (older expiries stay silent).
EXPIRED_NOTICE_WINDOW_DAYS = 7
#: Messages sent per batch by a bulk run's or the expiry scan's sender (progress is saved between batches).
MESSAGE_BATCH_SIZE = 200
#: Days of engagement the staff chart and the API's daily series cover at most.
MAX_ENGAGEMENT_DAYS = 366
#: C0 control characters but tab, and DEL: refused in learner identifiers and notes.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Characters in the notes of an allowlist entry.
MAX_NOTES = 1_000
#: Characters in a username, email or numeric id that identifies a learner (an email is at most 254).
MAX_LEARNER_IDENTIFIER = 254
#: The largest user id: the LMS's auth_user.id is a 32-bit integer; a larger one must not reach the database.
MAX_USER_ID = 2**31 - 1

#: Size of an allowlist CSV upload, in bytes (the staff page and the API).
MAX_CSV_BYTES = 5 * 1024 * 1024
#: Learners in one allowlist CSV upload.
MAX_CSV_ROWS = 5_000

#: Days a certificate may stay valid at most (a larger value would overflow dates): 100 years.
MAX_VALIDITY_DAYS = 36_500
#: Enrollment modes in a course's configuration.
MAX_ELIGIBLE_MODES = 20

#: Rows per page of the staff lists and the API's lists (the API's ``page_size`` default).
PAGE_SIZE = 50
#: The largest ``page_size`` an API client may ask for.
MAX_PAGE_SIZE = 200

#: Courses in a program requirement, runs of one course, and requirements in a program.
MAX_PROGRAM_RUNS = 20

#: One page of a `credentials` service export (a line of the file, or one API response), in bytes.
MAX_EXPORT_PAGE_BYTES = 8 * 1024 * 1024
#: Credentials in one page of such an export (the service pages by 20).
MAX_EXPORT_PAGE_ROWS = 10_000
#: Pages read from the service's API in one run (at 20 a page, 20 million credentials).
MAX_EXPORT_PAGES = 1_000_000
#: Problems an import lists one by one; past this it counts them.
MAX_IMPORT_PROBLEMS_LISTED = 1_000

#: Size of a credential pasted or uploaded to be verified (the verify page and the verify API).
MAX_CREDENTIAL_BYTES = 256 * 1024
#: Characters in a certificate's ID or address given to the verify API.
MAX_CERTIFICATE_ADDRESS = 2_000

#: Size of an uploaded logo or signature image, in bytes.
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: Pixels of an uploaded image (width x height): more is a decompression bomb, not a logo.
MAX_IMAGE_PIXELS = 25_000_000

# What a credential may cost to check (vc/budget.py), refused before any canonicalization. Our
# credentials and 1EdTech's examples use a fraction of each: depth 6, about 60 values, 5 blank nodes.
#: The largest status list index: beyond every list (and any database integer). A longer text is
#: never read as a number.
MAX_STATUS_INDEX = 2**31 - 1
#: Characters in a date of a credential ("2026-12-03T10:00:00.000000+05:30" has 32).
MAX_DATETIME_TEXT = 64
#: Nesting of JSON arrays and objects, in a credential and in any JSON body the API reads.
MAX_JSON_DEPTH = 32
#: JSON values (objects, arrays, strings, numbers…) in a credential.
MAX_CREDENTIAL_VALUES = 5_000
#: Blank nodes (objects without an id, or with a "_:" id) in a credential.
MAX_CREDENTIAL_BLANK_NODES = 100
#: Characters in any one string of a credential.
MAX_CREDENTIAL_STRING = 20_000
#: Characters in a proofValue: "z" + base58btc of a 64-byte signature is at most 89; decoding a
#: longer one would cost quadratic time for nothing.
MAX_PROOF_VALUE = 100
#: Orderings of indistinguishable blank nodes RDFC-1.0 may try (its "Hash N-Degree Quads" step)
#: before canonicalization is refused: a poison graph would need factorially many. Ours need none.
MAX_CANONICALIZATION_PERMUTATIONS = 1_000
#: Proof configuration templates kept per process (vc/proofs.py: canonicalized once, the time put
#: in), and the characters of a configuration's context URLs and values that may make one: ours
#: need one template of a few hundred characters; a pasted proof's larger ones are canonicalized in
#: full, so kept templates stay small.
MAX_PROOF_CONFIGURATION_TEMPLATES = 32
MAX_PROOF_CONFIGURATION_TEMPLATE_CHARS = 2_000
# Rows of the LMS's certificates app read (and held in memory) per page of an import.
MAX_IMPORT_BATCH_SIZE = 5_000
# GeneratedCertificate.download_url's length: a longer link to our page cannot be mirrored there.
MAX_LMS_DOWNLOAD_URL = 128


def reason_problem(reason):
    """Why the core refuses REASON for its length (empty when it fits): the limit the forms apply."""
    if reason is not None and len(reason) > MAX_REASON:
        return _("A reason is limited to %(max)s characters.") % {"max": MAX_REASON}
    return ""


def notes_problem(notes):
    """Why the core refuses allowlist NOTES (empty when it takes them): too long, or control characters."""
    if notes is not None and len(notes) > MAX_NOTES:
        return _("Notes are limited to %(max)s characters.") % {"max": MAX_NOTES}
    if notes and has_control_characters(notes):
        return _("The line holds control characters (such as NUL).")
    return ""


def imported_text(text, limit):
    """Free text another system wrote (the LMS's notes), as ours takes it: no control characters, LIMIT long."""
    text = CONTROL_CHARACTERS.sub("", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def has_control_characters(text):
    """Whether TEXT holds a C0 control character other than tab, or DEL: never part of a name or a note."""
    return CONTROL_CHARACTERS.search(text) is not None


def json_depth_problem(value):
    """Why VALUE (parsed JSON) is nested too deeply (empty when it is not); iterative, so any depth is safe."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return too_deep_message()
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return ""


def too_deep_message():
    """What a client reads when its JSON is nested more than MAX_JSON_DEPTH levels."""
    return _("The JSON is nested more than %(max)s levels deep.") % {"max": MAX_JSON_DEPTH}


# A certificate's preview card (``web/preview_cards.py``): characters of each text it lays out
# (longer names and titles are cut before any drawing, with an ellipsis on the card) ...
PREVIEW_CARD_TEXT_CHARS = 300
# ... and how long a drawn card stays in the cache (its key changes whenever what it shows does).
PREVIEW_CARD_CACHE_SECONDS = 30 * 24 * 3600
#: Seconds an "Add to wallet" offer can be redeemed after the learner asked for it.
WALLET_OFFER_SECONDS = 600
#: Seconds an OpenID4VCI access token (and its c_nonce) stays usable.
WALLET_ACCESS_TOKEN_SECONDS = 300
#: How old a wallet's proof (its ``created`` or ``iat``) may be, and how far ahead of our clock, in seconds.
WALLET_PROOF_MAX_AGE_SECONDS = 300
WALLET_PROOF_CLOCK_SKEW_SECONDS = 60
#: Size of a request a wallet sends (a DID-auth presentation, a token or credential request), in bytes.
MAX_WALLET_REQUEST_BYTES = 64 * 1024
#: Characters of a proof JWT, and of a holder's DID.
MAX_PROOF_JWT = 8_000
MAX_HOLDER_DID = 255
#: "Add to wallet" offers one learner may open per hour (each is a database row and a QR code).
WALLET_OFFERS_PER_HOUR = 30

#: Seconds between a process's pushes of its buffered engagement counts to the shared cache (its loss window).
ENGAGEMENT_PUSH_SECONDS = 10
#: Distinct (day, certificate, kind) counts a process buffers at most; the request that reaches it pushes them.
MAX_BUFFERED_ENGAGEMENT_COUNTS = 10_000

#: Seconds over which one process's requests to send learner messages (and to sign new credentials
#: ahead) are coalesced into one Celery task: the first request publishes it with this countdown,
#: later ones in the window publish nothing. A learner's message leaves up to this much later.
DELIVERY_COALESCING_SECONDS = 2
#: Seconds a learner message may wait before the sweeper (a periodic task) sends it: a process that
#: died between its commit and its request to the workers leaves its messages waiting.
STALE_LEARNER_MESSAGE_SECONDS = 60
#: New credentials one coalesced signing task signs at most; it queues another for the rest.
MAX_SIGNED_AHEAD_PER_TASK = 500
