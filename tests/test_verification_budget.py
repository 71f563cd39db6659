"""
Verifying is public and anonymous, so it works within a budget: a credential built to make RDF
canonicalization or base58 decoding slow is refused with its reason before that work (or, for the
canonicalization's own work limit, as soon as it is exceeded); bodies and values that used to raise
(deep nesting, dates out of range, a huge status index, a broken Content-Length) get a 4xx or a
failed check with a reason, never a 500. Timing is the benchmark's (benchmarks/credentials.py);
these tests assert that the expensive work is not done.
"""

import copy
import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials_plugin.core.limits import MAX_CANONICALIZATION_PERMUTATIONS, MAX_JSON_DEPTH
from credentials_plugin.models import AuditRecord, CourseCertificate, SignedCredential
from credentials_plugin.vc import proofs
from credentials_plugin.vc.keys import signing_key
from tests.test_vc_credentials import certificate, credential_url, learner  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

VERIFY_API = "/api/credentials_plugin/v1/verify/"


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT = settings.CREDENTIALS_PLUGIN_VERIFY_PASTED_RATE_LIMIT = None


@pytest.fixture
def signed(client, certificate):  # noqa: F811
    return client.get(credential_url(certificate)).json()


def blank_node_clique(size):
    """SIZE blank nodes, each pointing at all the others: indistinguishable to RDF canonicalization."""
    return [
        {"@id": f"_:n{i}", "https://example.org/knows": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]


def verify_through_api_and_page(client, document):
    api_answer = client.post(VERIFY_API, document, content_type="application/json")
    page = client.post("/credentials/verify/", {"credential": json.dumps(document)})
    assert api_answer.status_code == 200 and page.status_code == 200
    return api_answer.json(), page.content.decode()


def signature_check(answer):
    return next(check for check in answer["checks"] if check["name"] == "signature")


def test_a_poison_graph_is_refused_by_canonicalizations_work_limit(client, signed, monkeypatch):
    orderings = []
    hash_n_degree = proofs._BudgetedRdfc.hash_n_degree_quads

    def counted(self, id_, issuer):
        orderings.append(self._orderings_left)
        return hash_n_degree(self, id_, issuer)

    monkeypatch.setattr(proofs._BudgetedRdfc, "hash_n_degree_quads", counted)
    hostile = {**signed, "https://example.org/graph": blank_node_clique(8)}

    answer, page = verify_through_api_and_page(client, hostile)

    assert answer["ok"] is False
    assert "checking it would cost too much" in signature_check(answer)["message"]
    assert "checking it would cost too much" in page  # the page's check is the API's, remembered
    # The first group of 7 indistinguishable neighbours (7! = 5,040 orderings) stops it at once.
    assert orderings == [MAX_CANONICALIZATION_PERMUTATIONS]


def test_a_proof_value_longer_than_any_signature_is_refused_before_decoding(client, signed, monkeypatch):
    monkeypatch.setattr(proofs, "decode_base58btc", lambda text: pytest.fail("decoded a hostile proof value"))
    monkeypatch.setattr(proofs, "canonicalize", lambda document: pytest.fail("canonicalized a hostile credential"))
    hostile = copy.deepcopy(signed)
    hostile["proof"]["proofValue"] = "z" + "2" * 259_000

    answer, page = verify_through_api_and_page(client, hostile)

    reason = signature_check(answer)["message"]
    assert "longer than 20000 characters" in reason or "longer than any Ed25519 signature" in reason
    assert "longer than" in page


@pytest.mark.parametrize(
    ("shape", "reason"),
    [
        ({"https://example.org/deep": json.loads("[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5))}, "nested"),
        ({"https://example.org/many": [{"https://example.org/v": i} for i in range(101)]}, "blank nodes"),
        ({"https://example.org/wide": list(range(6_000))}, "more than 5000 values"),
        ({"proof_value_only": None}, None),
    ],
    ids=["too deep", "too many blank nodes", "too many values", "a normal credential"],
)
def test_shapes_no_credential_has_are_refused_without_canonicalizing(client, signed, monkeypatch, shape, reason):
    cache.clear()  # signing checked our credential once and remembered the answer
    canonicalized = []
    original = proofs.canonicalize
    monkeypatch.setattr(proofs, "canonicalize", lambda document: canonicalized.append(1) or original(document))
    document = dict(signed) if reason is None else {**signed, **shape}

    page = client.post("/credentials/verify/", {"credential": json.dumps(document)})
    api_answer = client.post(VERIFY_API, document, content_type="application/json")

    assert page.status_code == 200
    if reason is None:
        assert api_answer.json()["ok"] is True and canonicalized  # the budget leaves our own credentials alone
        return
    assert reason in page.content.decode()
    if reason == "nested":  # the API refuses the body itself, as it does for every JSON endpoint
        assert api_answer.status_code == 400 and reason in api_answer.json()["detail"]
    else:
        assert reason in signature_check(api_answer.json())["message"]
    assert canonicalized == []


def test_a_body_nested_deeper_than_the_limit_is_a_400_on_every_json_endpoint(client, admin_client):
    body = "[" * 100_000 + "]" * 100_000
    anonymous = client.post(VERIFY_API, body, content_type="application/json")
    staff = admin_client.patch(
        "/api/credentials_plugin/v1/courses/course-v1:DemoX+Cert101+2026/configuration/",
        body,
        content_type="application/json",
    )
    shallow_enough = client.post(VERIFY_API, "[" * 40 + "]" * 40, content_type="application/json")

    assert anonymous.status_code == 400 and "nested" in anonymous.json()["detail"]
    assert staff.status_code == 400 and "nested" in staff.json()["detail"]
    assert shallow_enough.status_code == 400 and f"more than {MAX_JSON_DEPTH} levels" in shallow_enough.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "check_name", "message"),
    [
        ({"validFrom": "0001-01-01T00:00:00+05:00"}, "dates", "no valid date of issue"),
        ({"validUntil": "9999-12-31T23:00:00-05:00"}, "dates", "not a valid date"),
        ({"validUntil": "9999-12-31T23:30:00Z"}, "dates", "not a valid date"),
        ({"credentialStatus": {"statusListIndex": "9" * 5_000}}, "status", "malformed"),
    ],
    ids=["validFrom before year 1 in UTC", "validUntil after 9999 in UTC", "validUntil at the very end", "huge index"],
)
def test_values_out_of_range_are_a_failed_check_not_a_500(client, signed, changes, check_name, message):
    document = copy.deepcopy(signed)
    for name, value in changes.items():
        document[name] = {**document[name], **value} if isinstance(value, dict) else value

    answer, _page = verify_through_api_and_page(client, document)

    check = next(check for check in answer["checks"] if check["name"] == check_name)
    assert check["ok"] is False and message in check["message"]


def test_a_content_length_that_is_not_a_number_is_a_400(client):
    response = client.generic("POST", VERIFY_API, "{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=60,
)
CREDENTIAL_KEYS = st.sampled_from(
    ["@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject", "credentialStatus", "proof"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_hostile_credentials_never_err_and_change_nothing(client, signed, data):
    document = copy.deepcopy(signed)
    for _ in range(data.draw(st.integers(1, 4))):
        key = data.draw(CREDENTIAL_KEYS | st.text(max_size=30))
        if data.draw(st.booleans()) and isinstance(document.get(key), dict):
            inner = data.draw(st.text(max_size=20) | st.sampled_from(["proofValue", "statusListIndex", "type"]))
            document[key] = {**document[key], inner: data.draw(JSON_VALUES)}
        else:
            document[key] = data.draw(JSON_VALUES)
    before = (CourseCertificate.objects.count(), SignedCredential.objects.count(), AuditRecord.objects.count())

    api_answer = client.post(VERIFY_API, document, content_type="application/json")
    page = client.post("/credentials/verify/", {"credential": json.dumps(document)})

    assert api_answer.status_code in (200, 400), api_answer.content[:500]
    assert page.status_code in (200, 400), page.content[:500]
    assert (CourseCertificate.objects.count(), SignedCredential.objects.count(), AuditRecord.objects.count()) == before


def test_signing_our_own_credentials_stays_within_the_budget(signed):
    key = signing_key()
    again = proofs.sign({name: value for name, value in signed.items() if name != "proof"}, key)
    assert proofs.verify_proof(again, lambda method: key.public_key).ok
