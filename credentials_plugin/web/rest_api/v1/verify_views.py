"""
``POST verify/``: verify a credential for anyone (no sign-in), as the verify page does: a whole
credential as the body, or ``{"certificate": "<ID or address>"}``. It changes nothing, so it takes
no session and needs no CSRF token.
"""

import logging

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from credentials_plugin.core.limits import MAX_CERTIFICATE_ADDRESS, MAX_CREDENTIAL_BYTES
from credentials_plugin.models import EngagementCount
from credentials_plugin.vc.contexts import ContextsUnavailable
from credentials_plugin.vc.keys import SigningKeyMissing
from credentials_plugin.vc.verification import verify_certificate_id, verify_credential
from credentials_plugin.web.credential_pages import CANNOT_CHECK_NOW
from credentials_plugin.web.engagement_pages import count_request
from credentials_plugin.web.rest_api.v1.serializers import ErrorSerializer
from credentials_plugin.web.rest_api.v1.views import ApiView
from credentials_plugin.web.throttling import PastedVerifyRateThrottle, VerifyRateThrottle

log = logging.getLogger(__name__)


class VerifyRequestSerializer(serializers.Serializer):
    """A certificate's (or credential's) ID or address; any other JSON object is taken as a credential."""

    certificate = serializers.CharField(required=False, max_length=MAX_CERTIFICATE_ADDRESS)


class CheckSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=["format", "issuer", "key", "signature", "status", "dates"])
    ok = serializers.BooleanField()
    message = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    """Every check with its result in plain words, and what the credential says."""

    ok = serializers.BooleanField(help_text="True when every check passed.")
    revoked = serializers.BooleanField()
    checks = CheckSerializer(many=True)
    issuer_id = serializers.CharField(allow_blank=True)
    issuer_name = serializers.CharField(allow_blank=True)
    subject_name = serializers.CharField(allow_blank=True)
    achievement_name = serializers.CharField(allow_blank=True)
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)


_DATETIME = serializers.DateTimeField()


def verification_data(result) -> dict:
    """
    ``VerificationSerializer(result).data``, built directly: the same keys, order and values (the
    serializer stays the schema), without instantiating and deep-copying its fields per request.
    """

    def when(moment):
        return None if moment is None else _DATETIME.to_representation(moment)

    return {
        "ok": result.ok,
        "revoked": result.revoked,
        "checks": [{"name": check.name, "ok": check.ok, "message": str(check.message)} for check in result.checks],
        "issuer_id": str(result.issuer_id),
        "issuer_name": str(result.issuer_name),
        "subject_name": str(result.subject_name),
        "achievement_name": str(result.achievement_name),
        "valid_from": when(result.valid_from),
        "valid_until": when(result.valid_until),
    }


class VerifyView(ApiView):
    """Verify a credential: the proof, the key against our DID document, the revocation bit, the dates."""

    openapi = {
        "post": {
            "summary": "Verify a credential",
            "request": VerifyRequestSerializer,
            "responses": {
                200: VerificationSerializer,
                404: OpenApiResponse(ErrorSerializer, description="No public certificate has this ID."),
                413: OpenApiResponse(ErrorSerializer, description="The body is larger than 256 KB."),
                429: OpenApiResponse(ErrorSerializer, description="Too many verifications; see Retry-After."),
                503: OpenApiResponse(
                    ErrorSerializer,
                    description="This site has no signing key yet, or cannot read its JSON-LD contexts.",
                ),
            },
        }
    }
    authentication_classes = []  # anyone; and no session, so no CSRF token either
    permission_classes = [AllowAny]
    throttle_classes = [VerifyRateThrottle]

    def post(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdecimal():
            raise exceptions.ParseError("The Content-Length header is not a number of bytes.")
        if int(declared) > MAX_CREDENTIAL_BYTES:
            return Response(
                {"detail": "The body is larger than 256 KB."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        body = request.data
        if not isinstance(body, dict):
            raise exceptions.ParseError('Send a JSON object: a credential, or {"certificate": "<ID or address>"}.')
        try:
            if "certificate" in body:
                asked = self.validated(VerifyRequestSerializer, body)["certificate"]
                result = verify_certificate_id(asked)
                if result is None:
                    raise exceptions.NotFound("No certificate has this ID.")
            else:
                self._count_a_pasted_verification(request)
                result = verify_credential(body)
                ours = result.check("issuer") is None  # another issuer's credential is refused at once
                asked = body.get("id") if ours and isinstance(body.get("id"), str) else ""
            count_request(request, asked, EngagementCount.Kind.VERIFY_API)
        except SigningKeyMissing:
            return Response({"detail": "This site does not sign credentials yet."}, status=503)
        except ContextsUnavailable as error:
            log.error("Verifying is unavailable: %s", error)
            return Response({"detail": CANNOT_CHECK_NOW}, status=503)
        return Response(verification_data(result))

    def _count_a_pasted_verification(self, request):
        """A whole credential costs a canonicalization: it counts against the tighter limit too."""
        throttle = PastedVerifyRateThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
