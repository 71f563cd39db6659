"""
What a credential may cost to check, decided in one pass over its JSON before any canonicalization
(the limits are in ``core/limits.py``). RDF canonicalization can take factorial time on crafted
graphs, and base58 decoding quadratic time on long strings: a credential outside these bounds is
refused with its reason, in milliseconds, and never reaches them.
"""

from django.utils.translation import gettext as _

from credentials_plugin.core.limits import (
    MAX_CREDENTIAL_BLANK_NODES,
    MAX_CREDENTIAL_STRING,
    MAX_CREDENTIAL_VALUES,
    MAX_PROOF_VALUE,
    json_depth_problem,
)


class CanonicalizationTooCostly(ValueError):
    """Canonicalizing the document would try more orderings of its blank nodes than allowed."""


def credential_cost_problem(document) -> str:
    """Why checking DOCUMENT would cost more than any credential needs, or ""."""
    problem = json_depth_problem(document)
    if problem:
        return problem
    values = blank_nodes = 0
    stack = [document]
    while stack:
        item = stack.pop()
        values += 1
        if values > MAX_CREDENTIAL_VALUES:
            return _("The credential has more than %(max)s values.") % {"max": MAX_CREDENTIAL_VALUES}
        if isinstance(item, dict):
            if _is_blank_node(item):
                blank_nodes += 1
                if blank_nodes > MAX_CREDENTIAL_BLANK_NODES:
                    message = _("The credential has more than %(max)s objects without an id (blank nodes).")
                    return message % {"max": MAX_CREDENTIAL_BLANK_NODES}
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and len(item) > MAX_CREDENTIAL_STRING:
            return _("The credential has a text longer than %(max)s characters.") % {"max": MAX_CREDENTIAL_STRING}
    proof = document.get("proof") if isinstance(document, dict) else None
    proof_value = proof.get("proofValue") if isinstance(proof, dict) else None
    if isinstance(proof_value, str) and len(proof_value) > MAX_PROOF_VALUE:
        return _("The proof value is longer than any Ed25519 signature (%(max)s characters).") % {
            "max": MAX_PROOF_VALUE
        }
    return ""


def _is_blank_node(node):
    """A JSON-LD node object without an identity (no id, or a "_:" one); values and lists are not nodes."""
    if "@value" in node or "@list" in node or "@set" in node:
        return False
    identifier = node.get("id", node.get("@id"))
    return not isinstance(identifier, str) or identifier.startswith("_:")
