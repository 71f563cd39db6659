"""
Type-scoped contexts are processed once per process (issue #15): the expansion that signing and
verifying start with gives exactly pyld's own result, and the pinned contexts' type-scoped contexts
are not processed again, term by term, for each credential. Inline contexts of a pasted document
are processed as pyld always does.
"""

import inspect
import json

import pytest
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from credentials_plugin.vc import contexts, proofs
from credentials_plugin.vc.keys import signing_key
from tests.test_vc_serving import certificate, signed  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def term_definitions(monkeypatch):
    """How many term definitions pyld creates (each one is a step of processing a context)."""
    made = []
    original = jsonld.JsonLdProcessor._create_term_definition

    def counting(self, *args, **kwargs):
        made.append(args[2] if len(args) > 2 else None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counting)
    return made


def unsigned(document):
    return {name: value for name, value in document.items() if name != "proof"}


def plain_expansion(document):
    """pyld's own expansion, with a fresh resolver: nothing this module keeps is used."""
    return jsonld.expand(document, {"documentLoader": contexts.document_loader, "base": None})


def test_the_expansion_is_pyld_s_own_and_a_second_one_processes_no_context(certificate, term_definitions):  # noqa: F811
    document = unsigned(json.loads(signed(certificate).document))
    first = proofs.expand_defined(document)
    assert first == plain_expansion(document)
    term_definitions.clear()
    again = proofs.expand_defined(json.loads(json.dumps(document)))  # another copy, as a verifier parses it
    assert again == first
    assert term_definitions == []


def test_canonical_n_quads_are_pyld_s_own(certificate):  # noqa: F811
    document = unsigned(json.loads(signed(certificate).document))
    proofs.canonicalize(document)  # every scoped context kept
    expected = jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": contexts.document_loader},
    )
    assert proofs.canonicalize(document) == expected


def with_local_type(document, term_iri):
    """DOCUMENT with an inline context defining the type Local, whose scoped context maps "x" to TERM_IRI."""
    scoped = "https://example.org/scoped#"
    changed = json.loads(json.dumps(document))
    changed["@context"] = [*changed["@context"], {"Local": {"@id": scoped + "Local", "@context": {"x": term_iri}}}]
    changed["credentialSubject"]["achievement"]["type"] = ["Achievement", "Local"]
    changed["credentialSubject"]["achievement"]["x"] = "kept"
    return changed


def test_inline_type_scoped_contexts_expand_as_pyld_expands_them_each_with_its_own_terms(certificate):  # noqa: F811
    document = unsigned(json.loads(signed(certificate).document))
    one, other = (
        with_local_type(document, "https://example.org/one"),
        with_local_type(document, "https://example.org/two"),
    )
    for _ in range(2):  # the second time, from what was kept
        expanded_one, expanded_other = proofs.expand_defined(one), proofs.expand_defined(other)
        assert expanded_one == plain_expansion(one)
        assert expanded_other == plain_expansion(other)
        assert "https://example.org/one" in json.dumps(expanded_one)
        assert "https://example.org/two" in json.dumps(expanded_other)
        assert "https://example.org/one" not in json.dumps(expanded_other)


def test_a_credential_signed_after_the_contexts_are_kept_verifies(certificate):  # noqa: F811
    document = json.loads(signed(certificate).document)
    proofs.expand_defined(unsigned(document))
    resigned = proofs.sign(unsigned(document) | {"name": "Again"}, signing_key())
    assert proofs.verify_proof(resigned, proofs.resolve_verification_method).ok


def test_the_private_pyld_methods_we_override_still_take_what_we_pass():
    """vc/contexts.py overrides pyld internals (requirements/base.in pins the minor): their parameters, as relied on."""

    def parameters(function):
        return [(name, parameter.default) for name, parameter in inspect.signature(function).parameters.items()]

    empty = inspect.Parameter.empty
    assert parameters(jsonld.JsonLdProcessor._process_context) == [
        ("self", empty),
        ("active_ctx", empty),
        ("local_ctx", empty),
        ("options", empty),
        ("override_protected", False),
        ("propagate", True),
        ("validate_scoped", True),
        ("cycles", None),
    ]
    assert parameters(ContextResolver.resolve) == [
        ("self", empty),
        ("active_ctx", empty),
        ("context", empty),
        ("base", empty),
        ("cycles", None),
    ]
    assert [name for name, _default in parameters(ContextResolver.__init__)][:3] == [
        "self",
        "shared_cache",
        "document_loader",
    ]
