"""
Verifiable credentials on the web: each certificate's and program credential's signed credential,
the revocation status lists, and the verify page.
"""

import hashlib
import json
import logging
from functools import partial

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe
from pyld.jsonld import JsonLdError

from credentials_plugin.core.limits import MAX_CREDENTIAL_BYTES
from credentials_plugin.models import CourseCertificate, EngagementCount, ProgramCredential, StatusList
from credentials_plugin.statuses import CertificateStatus
from credentials_plugin.vc import signing, verification
from credentials_plugin.vc.contexts import ContextsUnavailable
from credentials_plugin.vc.keys import SigningKeyMissing
from credentials_plugin.vc.status_lists import status_list_document
from credentials_plugin.vc.stored_cache import FRESH_SECONDS
from credentials_plugin.web.engagement_pages import count_request, counted
from credentials_plugin.web.presentation import text_direction
from credentials_plugin.web.rendering import render
from credentials_plugin.web.throttling import verification_wait

log = logging.getLogger(__name__)
VERIFY_PAGE = EngagementCount.Kind.VERIFY_PAGE

CREDENTIAL_MEDIA_TYPE = "application/vc+ld+json"
# Verifiers may keep a credential or a status list this long; revocations show within it.
MAX_AGE_SECONDS = FRESH_SECONDS
CREDENTIAL_CACHE_CONTROL = f"public, max-age={MAX_AGE_SECONDS}, no-transform"
# What visitors read when the site cannot read its JSON-LD contexts (the log and credentials_health
# tell the operator what to fix).
CANNOT_CHECK_NOW = gettext_lazy("This site cannot check credentials right now; try again later.")
# The largest credential the verify page accepts, pasted or uploaded.


@require_safe
@counted(EngagementCount.Kind.DOWNLOAD)
def certificate_credential(request, certificate_uuid):
    """A course certificate's signed credential, as stored (signed on its first request)."""
    credential = certificate_credential_or_refusal(certificate_uuid)
    if isinstance(credential, HttpResponse):
        return credential
    served = signing.served(credential)
    return _document_response(request, served.body, served.etag)


def certificate_credential_or_refusal(certificate_uuid):
    """
    A course certificate's current credential (as stored, else signed now), or the JSON response
    refusing it: credential.json and the baked badges answer alike.
    """
    if (stored := signing.stored_credential(certificate_uuid)) is not None:
        return stored
    certificate = (
        CourseCertificate.objects.select_related("user").filter(uuid=certificate_uuid, retired_at__isnull=True).first()
    )
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return _error(404, _("No certificate has this ID."))
    # stored_credential found none to serve: signing skips looking for one again before its lock.
    return signed_or_refusal(certificate, partial(signing.signed_credential_for_certificate, none_stored=True))


@require_safe
def program_credential(request, credential_uuid):
    """A program credential's signed credential."""
    holder = (
        ProgramCredential.objects.select_related("user", "program")
        .filter(uuid=credential_uuid, retired_at__isnull=True)
        .first()
    )
    if holder is None:
        return _error(404, _("No program credential has this ID."))
    credential = signed_or_refusal(holder, signing.signed_credential_for_program_credential)
    if isinstance(credential, HttpResponse):
        return credential
    served = signing.served(credential)
    return _document_response(request, served.body, served.etag)


def signed_or_refusal(holder, signed_credential_for):
    """
    ``signed_credential_for(holder)``, or the JSON response refusing it: the one mapping of
    signing's exceptions to statuses (not public yet 404, no longer valid 410, cannot sign 503).
    """
    try:
        return signed_credential_for(holder)
    except signing.NotYetPublic:
        return _error(404, _("This credential is not public yet."))
    except signing.NotIssuable:
        return _error(410, _("This credential is no longer valid: it was revoked or its holder no longer qualifies."))
    except SigningKeyMissing as error:
        log.error("No signing key: %s", error)
        return _error(503, _("This site does not sign credentials yet."))
    except JsonLdError as error:  # a context could not be loaded: nothing was signed or stored
        log.error("Could not sign the credential of %s: %s", holder.uuid, error)
        return _error(503, _("This credential can't be signed right now; try again later."))


@require_safe
def status_list(request, list_id):
    """A revocation status list credential (rebuilt and re-signed when a bit changed since its signing)."""
    try:
        document = status_list_document(list_id)
    except StatusList.DoesNotExist:
        return _error(404, _("No status list has this ID."))
    except SigningKeyMissing as error:
        log.error("No signing key: %s", error)
        return _error(503, _("This site does not sign credentials yet."))
    except JsonLdError as error:  # its contexts could not be read: nothing was signed
        log.error("Could not sign status list %s: %s", list_id, error)
        return _error(503, str(CANNOT_CHECK_NOW))
    return _document_response(request, document, f'"{hashlib.sha256(document).hexdigest()[:32]}"')


def _document_response(request, body, etag):
    """
    BODY as stored, or a 304 when the client (or a CDN) already holds it (If-None-Match). Any cache
    may keep it and serve it for MAX_AGE_SECONDS, then revalidate it with its ETag, which changes
    exactly when the bytes do (a re-signing), so a CDN keeps the same copy for as long as it is
    current, at the cost of a 304 a minute. ``no-transform``: the bytes are signed data, sent as is.
    """
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=CREDENTIAL_MEDIA_TYPE)
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"  # wallets and verifiers fetch it from other sites
    response["Cache-Control"] = CREDENTIAL_CACHE_CONTROL
    return response


def _error(status, message):
    return JsonResponse({"detail": message}, status=status)


# ---------------------------------------------------------------------------
# The verify page
# ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request):
    """
    Verify a credential: GET ``?certificate=`` an ID or address, or POST the page's one form: an
    ID or address (``certificate``), or a pasted (``credential``) or uploaded (``file``) credential.
    Every check's result is shown in plain words. Each verification counts against the client's
    rate limit, shared with the verify API (``throttling``).
    """
    posted = request.method == "POST"
    form = request.POST if posted else request.GET
    query, result, error, status = form.get("certificate", "").strip(), None, "", 200
    pasted = request.POST.get("credential", "") if posted else ""
    # One form asks for an ID or address, or a pasted or uploaded credential: a credential given wins.
    document_given = posted and (bool(request.FILES.get("file")) or bool(pasted.strip()))
    asked = posted or bool(query)
    wait = verification_wait(request, pasted=document_given or (posted and not query)) if asked else None
    try:
        if wait is not None:
            error = _("Too many verifications from you; try again in %(seconds)s seconds.") % {"seconds": wait}
            status = 429
        elif document_given or (posted and not query):
            document = _posted_credential(request, pasted)
            result = verification.verify_credential(document)
            if result.check("issuer") is None:  # one of ours (another issuer's is refused at once): count it
                count_request(request, document.get("id") if isinstance(document, dict) else "", VERIFY_PAGE)
        elif query:
            result = verification.verify_certificate_id(query)
            if result is None:
                error, status = _("No certificate has this ID."), 404
            else:
                count_request(request, query, VERIFY_PAGE)
    except InvalidCredentialInput as invalid:
        error, status = str(invalid), invalid.status
    except SigningKeyMissing as missing:
        log.error("No signing key: %s", missing)
        error, status = _("This site does not sign credentials yet, so it can't verify this certificate."), 503
    except ContextsUnavailable as unavailable:  # the operator's to fix (credentials_health names how)
        log.error("Verifying is unavailable: %s", unavailable)
        error, status = str(CANNOT_CHECK_NOW), 503
    language = translation.get_language() or "en"
    context = {
        "language": language,
        "text_direction": text_direction(language),
        "query": query,
        "pasted": pasted if len(pasted) <= MAX_CREDENTIAL_BYTES else "",
        "result": result,
        # Who holds a credential that is no longer valid is said only to whoever brought the
        # credential itself (it names them): asked by ID, the page names the course, not the learner.
        "names_learner": bool(result) and (result.ok or document_given),
        "error": error,
        "csrf_token": get_token(request),
        "max_kilobytes": MAX_CREDENTIAL_BYTES // 1024,
    }
    response = HttpResponse(render(["credentials_plugin/verify.html"], context), status=status)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


class InvalidCredentialInput(ValueError):
    """What was pasted or uploaded is not a credential we can read."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def _posted_credential(request, pasted):
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_CREDENTIAL_BYTES:
            raise InvalidCredentialInput(_("The file is too large (at most %(size)s KB).") % _size(), status=413)
        raw = upload.read()
    else:
        raw = pasted.encode()
    if not raw.strip():
        raise InvalidCredentialInput(_("Give a credential's ID or address, paste a credential, or choose its file."))
    if len(raw) > MAX_CREDENTIAL_BYTES:
        raise InvalidCredentialInput(_("The credential is too large (at most %(size)s KB).") % _size(), status=413)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidCredentialInput(_("This is not JSON: %(error)s") % {"error": error}) from error


def _size():
    return {"size": MAX_CREDENTIAL_BYTES // 1024}
