"""
"Add to wallet" and baked badges (ADR 0015).

- ``wallet_page``: the certificate's learner opens a single-use offer and sees it as QR codes and
  phone links: one for the Learner Credential Wallet (a VC-API exchange), one for wallets that
  speak OpenID4VCI (the pre-authorized code flow).
- The VC-API exchange endpoint, and OpenID4VCI's issuer metadata, token and credential endpoints,
  which wallets call anonymously: each reads a bounded body, finds the offer by its secret with one
  query, and only then checks the proof (the costly part).
- ``badge_png`` / ``badge_svg``: the achievement's image with the signed credential baked in.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from credentials_plugin.certificates.looks import course_look
from credentials_plugin.core.limits import (
    MAX_WALLET_REQUEST_BYTES,
    WALLET_ACCESS_TOKEN_SECONDS,
    WALLET_OFFER_SECONDS,
    json_depth_problem,
)
from credentials_plugin.core.links import absolute_url
from credentials_plugin.models import CourseCertificate
from credentials_plugin.vc.baking import badge_image_png, bake_png, bake_svg
from credentials_plugin.vc.contexts import CREDENTIALS_V2, OPEN_BADGES_V3
from credentials_plugin.vc.holder_binding import PROOF_JWT_ALGORITHM
from credentials_plugin.vc.wallet_issuance import (
    WalletRefused,
    exchange_pre_authorized_code,
    open_offer,
    open_offer_by_secret,
    redeem_with_presentation,
    redeem_with_proof_jwt,
)
from credentials_plugin.web.credential_pages import certificate_credential_or_refusal
from credentials_plugin.web.presentation import page_language, qr_code_svg, text_direction
from credentials_plugin.web.rendering import render
from credentials_plugin.web.throttling import wallet_wait

#: The Learner Credential Wallet's universal link for a request (its app opens it; a browser
#: without the app lands on lcw.app, which explains how to install it).
LCW_REQUEST_LINK = "https://lcw.app/request"
OID4VCI_OFFER_SCHEME = "openid-credential-offer://"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CREDENTIAL_CONFIGURATION = "OpenBadgeCredential_ldp_vc"
LDP_VC = "ldp_vc"
VC_API_SERVICE = "UnmediatedPresentationService2021"


def credential_issuer() -> str:
    """Our OpenID4VCI credential issuer identifier (and the ``aud`` of a proof JWT): the site's origin."""
    return absolute_url("/").rstrip("/")


def did_auth_domain() -> str:
    """The ``domain`` a DID-authentication proof must name: our host."""
    return urlsplit(absolute_url("/")).netloc


def open_to_wallets(view):
    """
    CORS for a wallet endpoint: wallets that run in a browser call them from their own origin.
    Any origin may, without cookies (``Access-Control-Allow-Origin: *`` never carries them): the
    secret in the URL, the code or the bearer token is what authorizes. A preflight is answered here.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "600"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return csrf_exempt(wrapped)


# ---------------------------------------------------------------------------
# The learner's page
# ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def wallet_page(request, certificate_uuid):
    """GET: what adding to a wallet does; POST (the learner's button): a new offer, as QR codes and links."""
    if not request.user.is_authenticated:  # the learner signs in first, and comes back here
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    certificate = CourseCertificate.objects.filter(uuid=certificate_uuid, retired_at__isnull=True).first()
    if certificate is None:
        return HttpResponse(status=404)
    look = course_look(certificate.course_key)
    language = page_language(look)
    with translation.override(language):
        context = {
            "language": language,
            "text_direction": text_direction(language),
            "course_name": certificate.course_name,
            "certificate_url": reverse("credentials_plugin:certificate", args=[certificate.uuid]),
            "badge_png_url": reverse("credentials_plugin:certificate_badge_png", args=[certificate.uuid]),
            "badge_svg_url": reverse("credentials_plugin:certificate_badge_svg", args=[certificate.uuid]),
            "csrf_token": get_token(request),
            "offer_minutes": WALLET_OFFER_SECONDS // 60,
            "error": "",
            "lcw_link": "",
        }
        status = 200
        if request.method == "POST":
            try:
                opened = open_offer(certificate, request.user)
            except WalletRefused as refused:
                context["error"], status = refused.reason, refused.status
            else:
                context.update(offer_links(opened.secret))
        elif request.user.pk != certificate.user_id:
            context["error"], status = _("Only the certificate's learner can add it to a wallet."), 403
        html = render(["credentials_plugin/wallet.html"], context)
    return HttpResponse(html, status=status)


def offer_links(secret) -> dict:
    """The links and QR codes of one offer: LCW's request link, and OpenID4VCI's credential offer."""
    exchange_url = absolute_url(reverse("credentials_plugin:wallet_exchange", args=[secret]))
    request = {"credentialRequestOrigin": absolute_url("/").rstrip("/"), "protocols": {"vcapi": exchange_url}}
    lcw_link = f"{LCW_REQUEST_LINK}?{urlencode({'request': json.dumps(request, separators=(',', ':'))})}"
    # By reference (credential_offer_uri): a shorter link, so a QR code a phone reads from a screen.
    offer_uri = absolute_url(reverse("credentials_plugin:oid4vci_offer", args=[secret]))
    oid4vci_link = f"{OID4VCI_OFFER_SCHEME}?{urlencode({'credential_offer_uri': offer_uri})}"
    return {
        "exchange_url": exchange_url,
        "lcw_link": lcw_link,
        "lcw_qr": qr_code_svg(lcw_link).decode(),
        "oid4vci_link": oid4vci_link,
        "oid4vci_qr": qr_code_svg(oid4vci_link).decode(),
    }


def wallet_copy_rows(copies) -> list[dict]:
    """Plain rows of wallet copies (``vc.wallet_issuance.wallet_copies``) for the record and staff pages."""
    return [
        {
            "course_name": copy.course_name,
            "certificate_url": reverse("credentials_plugin:certificate", args=[copy.certificate_uuid]),
            "holder_did": copy.holder_did,
            "holder_short": f"{copy.holder_did[:20]}…{copy.holder_did[-6:]}",
            "added": copy.added,  # a datetime: the template writes it (``|datetime``, core/dates.py)
            "protocol": copy.protocol,
            "revoked": copy.revoked,
        }
        for copy in copies
    ]


# ---------------------------------------------------------------------------
# VC-API exchange (the Learner Credential Wallet)
# ---------------------------------------------------------------------------


@open_to_wallets
@never_cache
def wallet_exchange(request, secret):
    """
    The offer's VC-API exchange. A POST without a presentation asks what is needed: a DID
    authentication with our challenge and domain. A POST with the signed presentation returns
    the credential, bound to the presentation's holder, in a presentation.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = _over_budget(request) or _json_body(request)
    if isinstance(body, JsonResponse):
        return body
    presentation = body.get("verifiablePresentation") if isinstance(body, dict) else None
    try:
        if presentation is None:
            offer = open_offer_by_secret(secret)
            return JsonResponse(
                {
                    "verifiablePresentationRequest": {
                        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
                        "challenge": offer.challenge,
                        "domain": did_auth_domain(),
                        "interact": {
                            "service": [{"type": VC_API_SERVICE, "serviceEndpoint": request.build_absolute_uri()}]
                        },
                    }
                }
            )
        credential = redeem_with_presentation(secret, presentation, domain=did_auth_domain())
    except WalletRefused as refused:
        return _refusal(refused)
    document = json.loads(credential.document)
    return JsonResponse(
        {
            "verifiablePresentation": {
                "@context": [CREDENTIALS_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [document],
            }
        }
    )


# ---------------------------------------------------------------------------
# OpenID4VCI, pre-authorized code flow
# ---------------------------------------------------------------------------


def credential_offer(secret) -> dict:
    """The OpenID4VCI credential offer of an offer's SECRET (its pre-authorized code)."""
    return {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": [CREDENTIAL_CONFIGURATION],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": secret}},
    }


@open_to_wallets
@never_cache
@require_safe
def oid4vci_offer(request, secret):
    """The credential offer a ``credential_offer_uri`` names, while the offer can be redeemed."""
    if over := _over_budget(request):
        return over
    try:
        open_offer_by_secret(secret)
    except WalletRefused as refused:
        return _refusal(refused)
    return JsonResponse(credential_offer(secret))


@open_to_wallets
@require_safe
def credential_issuer_metadata(request):
    """``/.well-known/openid-credential-issuer``: what we issue, where, and the proofs we accept."""
    issuer = credential_issuer()
    return JsonResponse(
        {
            "credential_issuer": issuer,
            "credential_endpoint": absolute_url(reverse("credentials_plugin:oid4vci_credential")),
            "token_endpoint": absolute_url(reverse("credentials_plugin:oid4vci_token")),
            "display": [{"name": issuer}],
            "credential_configurations_supported": {
                CREDENTIAL_CONFIGURATION: {
                    "format": LDP_VC,
                    "credential_definition": {
                        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
                        "type": ["VerifiableCredential", "OpenBadgeCredential"],
                    },
                    "cryptographic_binding_methods_supported": ["did:key"],
                    "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                    "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": [PROOF_JWT_ALGORITHM]}},
                    "display": [{"name": "Open Badges 3.0 course certificate"}],
                }
            },
        }
    )


@open_to_wallets
@require_safe
def authorization_server_metadata(request):
    """``/.well-known/oauth-authorization-server`` (RFC 8414): the token endpoint of the pre-authorized code grant."""
    return JsonResponse(
        {
            "issuer": credential_issuer(),
            "token_endpoint": absolute_url(reverse("credentials_plugin:oid4vci_token")),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True,
        }
    )


@open_to_wallets
@never_cache
@require_http_methods(["POST"])
def oid4vci_token(request):
    """The token endpoint: a pre-authorized code (used once) for an access token and a c_nonce."""
    if over := _over_budget(request):
        return over
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WALLET_REQUEST_BYTES:
        return _refusal(WalletRefused(_("The request is too large."), status=413))
    if request.POST.get("grant_type") != PRE_AUTHORIZED_GRANT:
        return JsonResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": _("Only {grant} is supported.").format(grant=PRE_AUTHORIZED_GRANT),
            },
            status=400,
        )
    try:
        access_token, nonce = exchange_pre_authorized_code(request.POST.get("pre-authorized_code"))
    except WalletRefused as refused:
        return _refusal(refused, status=400)
    response = JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",  # nosec B105 (the token type, not a secret)
            "expires_in": WALLET_ACCESS_TOKEN_SECONDS,
            "c_nonce": nonce,
            "c_nonce_expires_in": WALLET_ACCESS_TOKEN_SECONDS,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@open_to_wallets
@never_cache
@require_http_methods(["POST"])
def oid4vci_credential(request):
    """The credential endpoint: the proof of possession's DID becomes the credential's subject."""
    scheme, _separator, access_token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    body = _over_budget(request) or _json_body(request)
    if isinstance(body, JsonResponse):
        return body
    if not isinstance(body, dict):
        return _refusal(WalletRefused(_("The request is not a JSON object.")))
    configuration = body.get(
        "credential_configuration_id", CREDENTIAL_CONFIGURATION if body.get("format") == LDP_VC else None
    )
    if configuration != CREDENTIAL_CONFIGURATION:
        return _refusal(
            WalletRefused(
                _("Only {configuration} (format {format}) is issued here.").format(
                    configuration=CREDENTIAL_CONFIGURATION, format=LDP_VC
                ),
                "unsupported_credential_type",
            )
        )
    try:
        credential = redeem_with_proof_jwt(
            access_token if scheme.lower() == "bearer" else "", _proof_jwt(body), audience=credential_issuer()
        )
    except WalletRefused as refused:
        return _refusal(refused)
    document = json.loads(credential.document)
    # "credential" as drafts 11-13 return it; "credentials" as OpenID4VCI 1.0 does.
    return JsonResponse({"credential": document, "credentials": [{"credential": document}]})


def _proof_jwt(body):
    proof = body.get("proof")
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt":
        return proof.get("jwt")
    proofs = body.get("proofs")
    if isinstance(proofs, dict) and isinstance(proofs.get("jwt"), list) and len(proofs["jwt"]) == 1:
        return proofs["jwt"][0]
    return None


# ---------------------------------------------------------------------------
# Baked badges
# ---------------------------------------------------------------------------


@require_safe
def badge_png(request, certificate_uuid):
    """The achievement's image as PNG, with the signed credential in its ``openbadgecredential`` iTXt chunk."""
    baked = _baked(certificate_uuid, lambda certificate, text: bake_png(badge_image_png(certificate), text))
    return baked if isinstance(baked, HttpResponse) else _download(baked, "image/png", "png")


@require_safe
def badge_svg(request, certificate_uuid):
    """The achievement's image as SVG, with the signed credential in an ``openbadges:credential`` element."""
    baked = _baked(certificate_uuid, lambda certificate, text: bake_svg(badge_image_png(certificate), text))
    return baked if isinstance(baked, HttpResponse) else _download(baked, "image/svg+xml", "svg")


def _baked(certificate_uuid, bake):
    """BAKE(certificate, document) of the certificate's current credential, or credential.json's refusal."""
    credential = certificate_credential_or_refusal(certificate_uuid)
    if isinstance(credential, HttpResponse):
        return credential
    certificate = CourseCertificate.objects.only("course_key").filter(uuid=certificate_uuid).first()
    if certificate is None:  # deleted since: nothing to bake
        return HttpResponse(status=404)
    return bake(certificate, credential.document)


def _download(content, content_type, extension):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="badge.{extension}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


# ---------------------------------------------------------------------------


def _over_budget(request):
    """A 429 response when REQUEST's client has used its budget of wallet requests (``WALLET_RATE_LIMIT``)."""
    wait = wallet_wait(request)
    if wait is None:
        return None
    response = _refusal(WalletRefused(_("Too many requests: try again later."), "slow_down", 429))
    response["Retry-After"] = str(wait)
    return response


def _json_body(request):
    """The request's JSON body (an empty body is {}), bounded; a 4xx JsonResponse saying why otherwise."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WALLET_REQUEST_BYTES:
        return _refusal(WalletRefused(_("The request is too large."), status=413))
    raw = request.read(MAX_WALLET_REQUEST_BYTES + 1)
    if len(raw) > MAX_WALLET_REQUEST_BYTES:
        return _refusal(WalletRefused(_("The request is too large."), status=413))
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _refusal(WalletRefused(_("The request is not JSON.")))
    if json_depth_problem(body):
        return _refusal(WalletRefused(_("The request is nested too deeply.")))
    return body


def _refusal(refused, status=None):
    return JsonResponse({"error": refused.code, "error_description": refused.reason}, status=status or refused.status)
