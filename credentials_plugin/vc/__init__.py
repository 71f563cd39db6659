"""
Signed W3C verifiable credentials (Open Badges 3.0, ``eddsa-rdfc-2022`` proofs, ``did:web`` keys).

One module per responsibility: ``multibase`` (key text), ``keys`` (the configured keys), ``did``
(the site's DID and its document), ``contexts`` (the pinned JSON-LD context loader), ``proofs``
(canonicalize, sign, verify), ``documents``, ``status_lists``, ``issuing``, ``verification``.
"""
