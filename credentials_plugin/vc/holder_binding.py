"""
Checking that a wallet controls the DID a credential will name (ADR 0015).

Two proofs, one per protocol a wallet speaks to us:

- the DID-authentication presentation of a VC-API exchange (the Learner Credential Wallet's): a
  VerifiablePresentation signed with ``Ed25519Signature2020`` (or a ``DataIntegrityProof`` with
  ``eddsa-rdfc-2022``), proof purpose ``authentication``, carrying our challenge and domain;
- OpenID4VCI's proof of possession: a JWT of type ``openid4vci-proof+jwt`` signed with EdDSA,
  its ``aud`` our credential issuer identifier and its ``nonce`` the ``c_nonce`` we gave.

Holders are ``did:key`` identifiers of Ed25519 keys (``did:key:z6Mk…``), resolved locally: no
network. Each check says, in plain words, why a proof is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials_plugin.core.limits import (
    MAX_DATETIME_TEXT,
    MAX_HOLDER_DID,
    MAX_PROOF_JWT,
    WALLET_PROOF_CLOCK_SKEW_SECONDS,
    WALLET_PROOF_MAX_AGE_SECONDS,
    json_depth_problem,
)
from credentials_plugin.vc.multibase import MultibaseError, decode_public_key
from credentials_plugin.vc.proofs import CRYPTOSUITE, PROOF_TYPE, signature_problem

DID_KEY_PREFIX = "did:key:"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
AUTHENTICATION = "authentication"
PROOF_JWT_TYPE = "openid4vci-proof+jwt"
PROOF_JWT_ALGORITHM = "EdDSA"


class HolderProofError(ValueError):
    """The wallet's proof is refused; the message says why."""


def did_key_public_key(did: str) -> Ed25519PublicKey:
    """The Ed25519 public key a ``did:key`` identifier encodes; HolderProofError for any other DID."""
    if not isinstance(did, str) or len(did) > MAX_HOLDER_DID or not did.startswith(DID_KEY_PREFIX):
        raise HolderProofError(_("The holder's DID is not a did:key identifier."))
    try:
        return decode_public_key(did[len(DID_KEY_PREFIX) :])
    except (MultibaseError, ValueError) as error:
        raise HolderProofError(_("The holder's did:key is not an Ed25519 key: {error}.").format(error=error)) from error


def resolve_did_key_method(method) -> tuple[str, Ed25519PublicKey]:
    """The DID and key of a did:key verification method ("did:key:z6Mk…#z6Mk…")."""
    if not isinstance(method, str) or len(method) > 2 * MAX_HOLDER_DID + 1:
        raise HolderProofError(_("The proof does not name a did:key verification method."))
    did, separator, fragment = method.partition("#")
    key = did_key_public_key(did)
    if separator and fragment != did[len(DID_KEY_PREFIX) :]:
        raise HolderProofError(_("The verification method is not the did:key's own key."))
    return did, key


def check_did_authentication(presentation, *, challenge: str, domain: str, now: datetime | None = None) -> str:
    """
    The holder DID of a DID-authentication presentation, once its proof is checked: signature,
    purpose, our CHALLENGE and DOMAIN, freshness. HolderProofError saying why otherwise.
    """
    proof = _presentation_proof(presentation)
    if proof.get("challenge") != challenge:
        raise HolderProofError(_("The proof does not carry this offer's challenge."))
    if proof.get("domain") != domain:
        raise HolderProofError(_("The proof is for another domain than {domain}.").format(domain=domain))
    _check_fresh(_parse_created(proof.get("created")), now or timezone.now())
    did, public_key = resolve_did_key_method(proof.get("verificationMethod"))
    holder = presentation.get("holder", did)
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder != did:
        raise HolderProofError(_("The presentation's holder is not the DID that signed it."))
    _check_signature(presentation, proof, public_key)
    return did


def _presentation_proof(presentation) -> dict:
    """The proof of a presentation, when its shape, suite and purpose are ones we check."""
    if not isinstance(presentation, dict):
        raise HolderProofError(_("The presentation is not a JSON object."))
    if json_depth_problem(presentation):
        raise HolderProofError(_("The presentation is nested too deeply."))
    proof = presentation.get("proof")
    if not isinstance(proof, dict):
        raise HolderProofError(_("The presentation has no single proof."))
    if "@context" not in presentation:
        raise HolderProofError(_("The presentation has no @context."))
    suite = proof.get("type")
    if suite != ED25519_SIGNATURE_2020 and not (suite == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE):
        raise HolderProofError(
            _("The proof is neither an {old} nor a {type} with {suite}.").format(
                old=ED25519_SIGNATURE_2020, type=PROOF_TYPE, suite=CRYPTOSUITE
            )
        )
    if proof.get("proofPurpose") != AUTHENTICATION:
        raise HolderProofError(_("The proof's purpose is not authentication."))
    return proof


def _check_signature(presentation, proof, public_key):
    problem = signature_problem(presentation, proof, lambda: public_key, of="presentation")
    if problem:
        raise HolderProofError(problem)


def check_proof_jwt(token, *, audience: str, nonce: str, now: datetime | None = None) -> str:
    """
    The holder DID of an OpenID4VCI proof of possession (a JWT), once checked: its type and
    algorithm, the did:key in ``kid``, the signature, ``aud``, ``nonce`` and ``iat``.
    """
    now = now or timezone.now()
    if not isinstance(token, str) or not token or len(token) > MAX_PROOF_JWT:
        raise HolderProofError(_("The proof is not a JWT of a reasonable size."))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise HolderProofError(_("The proof is not a JWT.")) from error
    if header.get("typ") != PROOF_JWT_TYPE:
        raise HolderProofError(_("The proof JWT's type is not {type}.").format(type=PROOF_JWT_TYPE))
    if header.get("alg") != PROOF_JWT_ALGORITHM:
        raise HolderProofError(_("The proof JWT is not signed with {alg}.").format(alg=PROOF_JWT_ALGORITHM))
    did, public_key = resolve_did_key_method(header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[PROOF_JWT_ALGORITHM],
            audience=audience,
            options={"require": ["aud", "iat", "nonce"], "verify_iat": False, "verify_exp": True},
        )
    except jwt.InvalidAudienceError as error:
        raise HolderProofError(
            _("The proof JWT is for another credential issuer than {aud}.").format(aud=audience)
        ) from error
    except jwt.InvalidSignatureError as error:
        raise HolderProofError(_("The proof JWT's signature does not match its key.")) from error
    except jwt.PyJWTError as error:
        raise HolderProofError(_("The proof JWT is refused: {error}.").format(error=error)) from error
    if claims.get("nonce") != nonce:
        raise HolderProofError(_("The proof JWT does not carry the c_nonce given with this access token."))
    issued_at = claims.get("iat")
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        raise HolderProofError(_("The proof JWT's iat is not a time."))
    _check_fresh(datetime.fromtimestamp(issued_at, tz=UTC), now)
    return did


def _parse_created(value) -> datetime:
    if not isinstance(value, str) or len(value) > MAX_DATETIME_TEXT:
        raise HolderProofError(_("The proof has no creation time."))
    try:
        created = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise HolderProofError(_("The proof's creation time is not a date and time.")) from error
    if created.tzinfo is None:
        raise HolderProofError(_("The proof's creation time has no time zone."))
    return created


def _check_fresh(moment: datetime, now: datetime) -> None:
    if moment > now + timedelta(seconds=WALLET_PROOF_CLOCK_SKEW_SECONDS):
        raise HolderProofError(_("The proof was made in the future: check the wallet's clock."))
    if moment < now - timedelta(seconds=WALLET_PROOF_MAX_AGE_SECONDS):
        raise HolderProofError(_("The proof is too old: make a new one."))
