"""
Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

A proof signs ``SHA-256(canonical proof configuration) || SHA-256(canonical document)`` with
Ed25519, both canonicalized with RDFC-1.0 (URDNA2015) N-Quads; the proof configuration carries the
document's ``@context``. Canonicalization drops terms no context defines, and a dropped term would
go unsigned, so signing refuses such a document and verifying rejects it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from pyld import canon, jsonld

from credentials_plugin.core.limits import (
    MAX_CANONICALIZATION_PERMUTATIONS,
    MAX_PROOF_CONFIGURATION_TEMPLATE_CHARS,
    MAX_PROOF_CONFIGURATION_TEMPLATES,
)
from credentials_plugin.vc.budget import CanonicalizationTooCostly, credential_cost_problem
from credentials_plugin.vc.contexts import ScopedContextProcessor, document_loader
from credentials_plugin.vc.did import resolve_verification_method
from credentials_plugin.vc.keys import SigningKey, verification_keys
from credentials_plugin.vc.multibase import MultibaseError, decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
SIGNATURE_LENGTH = 64


class UndefinedTerms(ValueError):
    """A document uses terms (properties or types) that none of its contexts defines."""

    def __init__(self, terms):
        self.terms = sorted(set(terms))
        super().__init__(
            "These terms are not defined by the document's contexts, so they would not be signed: "
            + ", ".join(self.terms)
        )


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking a proof: ok, why (in plain words), and the key it names."""

    ok: bool
    reason: str
    verification_method: str


def canonicalize(document: dict | list) -> str:
    """
    The RDFC-1.0 canonical N-Quads of a JSON-LD document (contexts through the pinned loader), or
    of one ``expand_defined`` already expanded (then not expanded again). Every canonicalization
    of this module goes through here. CanonicalizationTooCostly when its blank nodes would need
    too many orderings tried.
    """
    if isinstance(document, _Expanded):
        dataset = _expanded_to_rdf(document)
    else:
        dataset = ScopedContextProcessor().to_rdf(document, _options(produceGeneralizedRdf=False))
    return _BudgetedRdfc().main(dataset, {"format": "application/n-quads"})


class _Expanded(list):
    """A document as ``expand_defined`` returns it: expanded JSON-LD, every term defined."""


class _Uncopied(dict):
    """
    A document signing built for itself alone, expanded without the copy pyld's ``expand`` first
    makes of its input (``copy.deepcopy``, through this object's ``__deepcopy__``: the copy
    protocol, not a change to pyld). The copy only protects the caller from the expansion, which
    reads its input and never changes it (``tests/test_vc_signing_paths.py`` checks it on our
    documents): a pasted document is still copied.
    """

    def __deepcopy__(self, memo):
        return self


class _BudgetedRdfc(canon.URDNA2015):
    """
    pyld's RDFC-1.0 (URDNA2015) with the work limit the specification asks implementations to
    have against poison graphs: the orderings its Hash N-Degree Quads step would try, counted
    before each call (a group of k indistinguishable blank nodes costs k!), are bounded by
    MAX_CANONICALIZATION_PERMUTATIONS over the whole document.
    """

    def __init__(self):
        super().__init__()
        self._orderings_left = MAX_CANONICALIZATION_PERMUTATIONS

    def hash_n_degree_quads(self, id_, issuer):
        for blank_nodes in self.create_hash_to_related(id_, issuer).values():
            self._orderings_left -= math.factorial(min(len(blank_nodes), 20))  # 20! is already far over
            if self._orderings_left < 0:
                raise CanonicalizationTooCostly("canonicalization would try too many orderings of blank nodes")
        return super().hash_n_degree_quads(id_, issuer)


def hash_data(unsecured_document: dict, proof_options: dict) -> bytes:
    """
    The 64 bytes an eddsa-rdfc-2022 proof signs: SHA-256 of the canonical proof configuration (the
    proof without its value, with the document's @context), then SHA-256 of the canonical document.
    UndefinedTerms if either uses a term its contexts do not define.

    Each is expanded once (the expansion that also finds undefined terms) and canonicalized from
    that expanded form, and their shared contexts are processed once per process
    (``ContextLoader.resolver``). They stay two canonicalizations, as the cryptosuite defines them
    (vc-di-eddsa, "Hashing (eddsa-rdfc-2022)"): the configuration and the document are two
    separate RDF datasets, each labelled by RDFC-1.0 on its own. Canonicalizing them as one
    dataset would not give either's N-Quads, because RDFC-1.0 numbers blank nodes (c14n0, c14n1,
    …) in the order of their hashes across the whole dataset, and the proof's own node is a blank
    node too. The configuration's is a handful of quads with that one blank node: a small part of
    the cost, which is the document's expansion. A configuration of the usual shape is not even
    canonicalized each time: see ``_configuration_hash``.
    """
    configuration = {name: value for name, value in proof_options.items() if name != "proofValue"}
    configuration["@context"] = unsecured_document.get("@context")
    return _configuration_hash(configuration) + _canonical_hash(unsecured_document)


def sign(document: dict, key: SigningKey, *, created: datetime | None = None) -> dict:
    """A copy of DOCUMENT with a DataIntegrityProof by KEY; UndefinedTerms if it uses undefined terms."""
    return _signed(document, key, created)[0]


def sign_checked(document: dict, key: SigningKey, *, created: datetime | None = None) -> tuple[dict, ProofCheck]:
    """
    ``sign``, and the new proof checked as ``verify_proof`` checks any (the key resolved from the
    DID document, the signature against it), on the very bytes just signed: canonicalized once.
    The cost budget is not checked again: the document was just canonicalized under it.
    """
    signed, data = _signed(document, key, created)
    return signed, _verify_proof(signed, resolve_verification_method, lambda _unsecured, _proof: data, budget=False)


def _signed(document, key, created):
    if key.private_key is None:
        raise ValueError(f"The key {key.key_id} is retired: it verifies but cannot sign.")
    if "proof" in document:
        raise ValueError("The document already has a proof.")
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or timezone.now()),
        "verificationMethod": key.verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    data = hash_data(_Uncopied(document), proof)  # a shallow copy: the caller's dict is never handed on
    signature = key.private_key.sign(data)
    return {**document, "proof": {**proof, "proofValue": encode_base58btc(signature)}}, data


def verify_proof(document: dict, resolve: Callable[[str], Ed25519PublicKey | None]) -> ProofCheck:
    """
    Check DOCUMENT's eddsa-rdfc-2022 proof with the key RESOLVE finds for its verification method.
    Never raises on bad input: a malformed document or proof is a failed check with its reason.
    """
    return _verify_proof(document, resolve, hash_data)


def _verify_proof(document, resolve, hashed, *, budget=True):
    proof = document.get("proof") if isinstance(document, dict) else None
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    method = method if isinstance(method, str) else ""
    problem = _proof_problem(document, proof, method) or signature_problem(
        document, proof, lambda: resolve(method), hashed=hashed, budget=budget
    )
    if problem:
        return ProofCheck(False, problem, method)
    return ProofCheck(True, _("The signature is valid."), method)


def signature_problem(document, proof, public_key, *, hashed=hash_data, budget=True, of="credential") -> str:
    """
    Why PROOF (a proof of DOCUMENT, of a shape already checked) does not hold, or "" when it does:
    DOCUMENT's cost (unless BUDGET is False), the proof value, PUBLIC_KEY() (None: a key this site
    does not know), HASHED (the hash of DOCUMENT without its proof, and PROOF's options), and the
    signature, checked by ``signature_matches``. OF: "credential" or "presentation", what the
    messages call DOCUMENT.
    """
    problem = budget and credential_cost_problem(document)
    if problem:
        return problem
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except MultibaseError:
        signature = b""
    if len(signature) != SIGNATURE_LENGTH:
        return _("The proof value is not an Ed25519 signature in base58btc.")
    key = public_key()
    if key is None:
        return _("The proof names a key this site does not know: {key}.").format(key=proof.get("verificationMethod"))
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    presentation = of == "presentation"
    try:
        data = hashed(unsecured, proof)
    except UndefinedTerms as undefined:
        terms = ", ".join(undefined.terms)
        if presentation:
            return _("The presentation uses terms that no context defines: {terms}.").format(terms=terms)
        return _("The credential uses terms that no context defines: {terms}.").format(terms=terms)
    except CanonicalizationTooCostly:
        if presentation:
            return _("The presentation would cost too much to check.")
        return _("The credential's objects without ids are arranged so that checking it would cost too much.")
    except Exception as error:  # noqa: BLE001 (pyld raises many kinds of errors on malformed JSON-LD)
        if presentation:
            return _("The presentation is not valid JSON-LD.")
        return _("The credential is not valid JSON-LD: {error}.").format(error=_plain(error))
    if not signature_matches(key, signature, data):
        if presentation:
            return _("The presentation's signature does not match its holder's key.")
        return _("The signature does not match: the credential was changed after it was signed.")
    return ""


def signature_matches(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """
    Whether SIGNATURE is PUBLIC_KEY's Ed25519 signature of DATA, checked by libsodium (PyNaCl):
    half the time of OpenSSL's check through ``cryptography`` (ADR 0023), as strict or stricter
    (it also refuses small-order keys and points), and an implementation other than the one that
    signed, for signing's check of its own signatures.
    """
    try:
        crypto_sign_open(signature + data, public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    except BadSignatureError:
        return False
    return True


def expand_defined(document: dict) -> list:
    """DOCUMENT expanded; UndefinedTerms if a property, type or id in it does not expand to an absolute IRI."""
    dropped = []
    # No base IRI: pyld would otherwise resolve an undefined type or id against a made-up base.
    expanded = ScopedContextProcessor(on_property_dropped=dropped.append).expand(document, _options(base=None))
    undefined = [str(term) for term in dropped] + list(_relative_iris(expanded))
    if undefined:
        raise UndefinedTerms(undefined)
    return _Expanded(expanded)


def xsd_datetime(moment: datetime) -> str:
    """An aware datetime as an XSD dateTime in UTC, to the second ("2026-11-01T12:00:00Z")."""
    if moment.tzinfo is None:
        raise ValueError("A proof's creation time must carry its time zone.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proof_problem(document, proof, method):
    """Why the proof cannot be checked at all, or ""."""
    if not isinstance(document, dict):
        return _("The credential is not a JSON object.")
    if proof is None:
        return _("The credential has no proof.")
    if not isinstance(proof, dict):
        return _("The credential's proof is not a single proof object.")
    if "@context" not in document:
        return _("The credential has no @context.")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return _("The proof is not a {type} with the {suite} cryptosuite.").format(type=PROOF_TYPE, suite=CRYPTOSUITE)
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return _("The proof's purpose is not {purpose}.").format(purpose=PROOF_PURPOSE)
    if not method:
        return _("The proof does not name its key (verificationMethod).")
    if not isinstance(proof.get("proofValue"), str):
        return _("The proof has no proof value.")
    return ""


def _relative_iris(node):
    """
    Ids and types (in expanded JSON-LD, expanded without a base) that are not absolute IRIs:
    undefined. Walked with a stack (every signing walks its document: no generator per node).
    """
    found, pending = [], [node]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            for name, value in item.items():
                if name in {"@id", "@type"}:
                    found += [iri for iri in (value if isinstance(value, list) else [value]) if ":" not in str(iri)]
                elif name != "@value" and isinstance(value, list | dict):
                    pending.append(value)
    return found


def _canonical_hash(document):
    return _sha256(canonicalize(expand_defined(document)))


# A proof's creation time as ``xsd_datetime`` writes it, and the stand-in a template is made with.
_XSD_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_CREATED_STAND_IN = "1970-01-01T00:00:00Z"


def _configuration_hash(configuration):
    """
    SHA-256 of the canonical proof configuration. Every proof of a site has the same configuration
    but for its creation time, so a configuration whose @context is a list of context URLs, whose
    other values are strings and whose ``created`` is an XSD dateTime to the second is canonicalized
    once per process with a stand-in time, and the real time is put in the stand-in's place in that
    text. That is exact: the configuration is one node (one blank node, so always ``_:c14n0``,
    whatever the hashes), the time changes only its own literal, and the lines are sorted again as
    RDFC-1.0 sorts them. Any other configuration (an inline context, a time in another form, a
    template in which the stand-in is not exactly one literal) is canonicalized in full.
    """
    created, context = configuration.get("created"), configuration.get("@context")
    others = tuple(
        sorted((name, value) for name, value in configuration.items() if name not in ("created", "@context"))
    )
    if (
        isinstance(created, str)
        and _XSD_SECONDS.fullmatch(created)
        and isinstance(context, list)
        and all(isinstance(url, str) for url in context)
        and all(isinstance(value, str) for _name, value in others)
        and sum(map(len, context)) + sum(len(name) + len(value) for name, value in others)
        <= MAX_PROOF_CONFIGURATION_TEMPLATE_CHARS
    ):
        template = _configuration_template(tuple(context), others)
        if template is not None:
            lines = template.replace(f'"{_CREATED_STAND_IN}"', f'"{created}"').splitlines(keepends=True)
            if len(set(lines)) == len(lines):  # the real time did not make two lines one
                return _sha256("".join(sorted(lines)))
    return _canonical_hash(configuration)


@functools.lru_cache(maxsize=MAX_PROOF_CONFIGURATION_TEMPLATES)
def _configuration_template(context, others):
    """
    The canonical N-Quads of a configuration made with the stand-in time, when the stand-in is one
    literal of its one blank node; else None.
    """
    try:
        text = canonicalize(expand_defined({"@context": list(context), **dict(others), "created": _CREATED_STAND_IN}))
    except Exception:  # noqa: BLE001 (any failure: the full canonicalization raises it again, with the real time)
        return None
    if text.count(f'"{_CREATED_STAND_IN}"') != 1 or set(re.findall(r"_:[^ ]+", text)) != {"_:c14n0"}:
        return None
    return text


def _expanded_to_rdf(expanded):
    """
    The RDF dataset of expanded JSON-LD: pyld's ``to_rdf`` after its expansion step (the node map,
    then each graph's triples), without expanding it a second time.
    """
    processor = jsonld.JsonLdProcessor()
    issuer = jsonld.IdentifierIssuer("_:b")
    node_map = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1"}
    return {
        name: processor._graph_to_rdf(graph, issuer, options)
        for name, graph in sorted(node_map.items())
        if name == "@default" or jsonld._is_absolute_iri(name)  # relative graph names are skipped, as to_rdf does
    }


def _options(**options):
    return {"documentLoader": document_loader, "contextResolver": document_loader.resolver(), **options}


def _sha256(text):
    return hashlib.sha256(text.encode("utf-8")).digest()


def _plain(error):
    """The innermost message of a (pyld) error chain, for people."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error.args[0]).rstrip(".") if error.args else type(error).__name__


#: How long a checked proof is remembered (the same document and keys give the same answer).
PROOF_CACHE_SECONDS = 24 * 3600


def check_proof(document) -> ProofCheck:
    """
    ``verify_proof``, remembered for the same document and the same keys: verifying canonicalizes
    the document, which costs milliseconds, and the certificate page shows the result every time.
    Signing checks each new credential once, so a page's first view finds the answer here.
    """
    cache_key = _proof_cache_key(document)
    result = cache.get(cache_key)
    if result is None:
        result = verify_proof(document, resolve_verification_method)
        cache.set(cache_key, result, PROOF_CACHE_SECONDS)
    return result


def remember_proof_check(document, result: ProofCheck) -> None:
    """Keep RESULT (from ``sign_checked``) as ``check_proof``'s answer for DOCUMENT."""
    cache.set(_proof_cache_key(document), result, PROOF_CACHE_SECONDS)


def _proof_cache_key(document):
    """
    The cache key of DOCUMENT's check under the configured keys: a hash of the keys and of the
    document's JSON with sorted keys. That JSON is msgspec's (a few microseconds, every signing
    writes it); msgspec writes NaN and the infinities as null, so a document in whose text null
    appears is written by the standard library instead (which writes them apart), under another
    prefix: two documents never share a key.
    """
    try:
        text = _SORTED_JSON.encode(document)
    except (TypeError, ValueError, OverflowError):  # msgspec's EncodeError is a ValueError
        text = b"null"
    if b"null" in text:
        text = b"\x00" + json.dumps(document, sort_keys=True, ensure_ascii=False, default=str).encode()
    digest = hashlib.sha256(_keys_fingerprint(verification_keys()))
    digest.update(text)
    return "credentials_plugin.vc.proof.v2." + digest.hexdigest()


_SORTED_JSON = msgspec.json.Encoder(order="sorted")


def _keys_fingerprint(keys) -> bytes:
    """
    What of the configured KEYS a remembered check depends on: each id and public key, 64 bytes.
    Kept for the last key objects seen (``keys`` parses them once per configuration, and a
    SigningKey never changes), which the memo holds, so their ids are never reused meanwhile.
    """
    objects = tuple(keys.values())
    seen, fingerprint = _LAST_FINGERPRINT[0]
    if len(seen) != len(objects) or any(a is not b for a, b in zip(seen, objects, strict=True)):
        text = json.dumps(sorted((key.key_id, key.multikey) for key in objects), ensure_ascii=False)
        fingerprint = hashlib.sha512(text.encode()).digest()
        _LAST_FINGERPRINT[0] = (objects, fingerprint)
    return fingerprint


_LAST_FINGERPRINT: list[tuple[tuple, bytes]] = [((), b"")]  # one slot, replaced whole
