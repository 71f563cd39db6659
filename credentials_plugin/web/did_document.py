"""The issuer's ``did:web`` document, at ``/.well-known/did.json`` on the LMS host."""

import hashlib
import json

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from credentials_plugin.vc.did import did_document

DID_MEDIA_TYPE = "application/did+json"
# Resolvers may keep the document this long: a new key is used by verifiers within it (retired keys stay listed).
MAX_AGE_SECONDS = 300


@require_safe
def did_json(request):
    """Every signing key, current and retired, as the verifiers of our credentials resolve them."""
    body = json.dumps(did_document(), indent=2).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(body, content_type=DID_MEDIA_TYPE)
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"  # web wallets and verifiers resolve it from other sites
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response
