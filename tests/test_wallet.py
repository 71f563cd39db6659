"""
"Add to wallet" as a wallet does it, over real HTTP against the live test server (127.0.0.1):
the learner opens an offer on the site; the wallet side (this harness, which shares no code with
the plugin) follows it, proves control of its did:key, receives the credential, verifies it
with the independent checker, and after staff revoke the certificate sees its copy's status bit
set. Protocols: the Learner Credential Wallet's VC-API exchange (a DID-authentication
presentation signed with Ed25519Signature2020, as LCW's @digitalcredentials/vc does) and
OpenID4VCI's pre-authorized code flow (a proof JWT of type openid4vci-proof+jwt, EdDSA).
Then the refusals, and the baked badges.
"""

import base64
import gzip
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from defusedxml import ElementTree
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import formats, timezone, translation
from PIL import Image

from credentials_plugin import api
from credentials_plugin.core.dates import localized_datetime
from credentials_plugin.core.limits import MAX_WALLET_REQUEST_BYTES, WALLET_OFFERS_PER_HOUR
from credentials_plugin.models import AuditRecord, Organization, SignedCredential, WalletOffer
from credentials_plugin.statuses import AuditAction
from credentials_plugin.vc import contexts
from credentials_plugin.vc.verification import verify_credential
from tests.conftest import COURSE, WITH_LOCALE_MIDDLEWARE, send_grade, send_passing
from tests.independent_verifier import independently_verify
from tests.wallet_harness import Wallet

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("wallet"),
    pytest.mark.usefixtures("links_point_at_the_live_server"),
]

CONTEXTS_DIR = contexts.PACKAGED_CONTEXTS_DIR
TIMEOUT = 20


@pytest.fixture
def certificate(make_learner, clock):
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Grace", "Hopper"
    learner.save()
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    api.configure_course(COURSE)
    send_grade(learner, percent=0.9, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())
    return api.get_course_certificate(learner.id, COURSE)


# --- The wallet's side ------------------------------------------------------------------------


def open_offer(certificate):
    """The learner, signed in, presses "Add to wallet": the two links the page shows."""
    client = Client()
    client.force_login(get_user_model().objects.get(pk=certificate.user_id))
    response = client.post(f"/credentials/certificates/{certificate.uuid}/wallet/")
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    links = [unescape(link) for link in re.findall(r'href="([^"]+)"', html)]
    lcw = next(link for link in links if link.startswith("https://lcw.app/request?"))
    oid4vci = next(link for link in links if link.startswith("openid-credential-offer://"))
    return lcw, oid4vci


def lcw_exchange_url(lcw_link):
    request = json.loads(parse_qs(urlsplit(lcw_link).query)["request"][0])
    return request["protocols"]["vcapi"]


def oid4vci_offer(link):
    """The credential offer, fetched from the link's credential_offer_uri as a wallet does."""
    query = parse_qs(urlsplit(link).query)
    assert set(query) == {"credential_offer_uri"}
    response = requests.get(query["credential_offer_uri"][0], timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def vc_api_receive(exchange_url, wallet, *, challenge=None, domain=None):
    """LCW's exchange loop: POST {}, answer the DIDAuthentication request at its service endpoint."""
    request = requests.post(exchange_url, json={}, timeout=TIMEOUT)
    assert request.status_code == 200, request.text
    vpr = request.json()["verifiablePresentationRequest"]
    assert vpr["query"][0]["type"] == "DIDAuthentication"
    presentation = wallet.did_auth(challenge or vpr["challenge"], domain or vpr["domain"])
    endpoint = vpr["interact"]["service"][0]["serviceEndpoint"]
    return (
        endpoint,
        presentation,
        requests.post(endpoint, json={"verifiablePresentation": presentation}, timeout=TIMEOUT),
    )


def verified_independently(live_server, document):
    did = requests.get(f"{live_server.url}/.well-known/did.json", timeout=TIMEOUT).json()
    method = document["proof"]["verificationMethod"]
    key = next(m["publicKeyMultibase"] for m in did["verificationMethod"] if m["id"] == method)
    return independently_verify(document, key, CONTEXTS_DIR)


def status_bit(document):
    """The copy's revocation bit, read as any verifier does: fetch the status list, decode, index."""
    entry = document["credentialStatus"]
    encoded = requests.get(entry["statusListCredential"], timeout=TIMEOUT).json()["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


# --- End to end, per protocol -----------------------------------------------------------------


def test_the_learner_credential_wallet_receives_a_bound_credential_that_revocation_reaches(live_server, certificate):
    own_credential = requests.get(
        f"{live_server.url}/credentials/certificates/{certificate.uuid}/credential.json", timeout=TIMEOUT
    ).json()
    lcw_link, _ = open_offer(certificate)
    wallet = Wallet()

    _endpoint, _presentation, response = vc_api_receive(lcw_exchange_url(lcw_link), wallet)

    assert response.status_code == 200, response.text
    received = response.json()["verifiablePresentation"]["verifiableCredential"][0]
    assert received["credentialSubject"]["id"] == wallet.did
    assert (
        received["credentialSubject"]["achievement"]["name"]
        == own_credential["credentialSubject"]["achievement"]["name"]
    )
    assert received["id"] != own_credential["id"]
    assert received["credentialStatus"]["id"] != own_credential["credentialStatus"]["id"]  # a bit of its own
    assert verified_independently(live_server, received)
    assert status_bit(received) == 0
    # The certificate's own credential is still the one its page serves.
    again = requests.get(
        f"{live_server.url}/credentials/certificates/{certificate.uuid}/credential.json", timeout=TIMEOUT
    ).json()
    assert again["id"] == own_credential["id"]
    audit = AuditRecord.objects.get(action=AuditAction.WALLET_ISSUED)
    assert (
        audit.certificate.uuid == certificate.uuid
        and wallet.did in audit.reason
        and audit.actor_id == certificate.user_id
    )

    assert verify_credential(received).ok  # and by this site's own verifier (the verify page's)

    # Staff revoke the certificate on the staff learner page.
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("root", "root@example.com", "pw", is_staff=True))
    revoked = staff.post(
        f"/credentials/courses/{COURSE}/learners/{certificate.user_id}/revoke/",
        {"revoke-reason": "Academic misconduct"},
    )
    assert revoked.status_code == 302

    assert status_bit(received) == 1
    after = verify_credential(received)
    assert after.revoked and not after.check("status").ok


def test_an_openid4vci_wallet_receives_a_bound_credential_that_revocation_reaches(live_server, certificate):
    _, link = open_offer(certificate)
    offer = oid4vci_offer(link)
    wallet = Wallet()
    issuer = offer["credential_issuer"]
    metadata = requests.get(f"{issuer}/.well-known/openid-credential-issuer", timeout=TIMEOUT).json()
    configuration = offer["credential_configuration_ids"][0]
    assert metadata["credential_configurations_supported"][configuration]["format"] == "ldp_vc"
    server = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]

    token = requests.post(
        server["token_endpoint"],
        data={"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": code},
        timeout=TIMEOUT,
    )
    assert token.status_code == 200, token.text
    token = token.json()
    response = requests.post(
        metadata["credential_endpoint"],
        json={
            "credential_configuration_id": configuration,
            "proof": {"proof_type": "jwt", "jwt": wallet.proof_jwt(metadata["credential_issuer"], token["c_nonce"])},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 200, response.text
    received = response.json()["credential"]
    assert received["credentialSubject"]["id"] == wallet.did
    assert verified_independently(live_server, received)
    assert status_bit(received) == 0
    assert WalletOffer.objects.get().signed_credential.holder_did == wallet.did

    api.revoke_certificate(certificate.uuid, reason="Issued in error")

    assert status_bit(received) == 1


# --- Refusals, with reasons -------------------------------------------------------------------


def test_a_replayed_presentation_is_refused_and_issues_nothing_more(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    endpoint, presentation, first = vc_api_receive(lcw_exchange_url(lcw_link), Wallet())
    assert first.status_code == 200

    replay = requests.post(endpoint, json={"verifiablePresentation": presentation}, timeout=TIMEOUT)

    assert replay.status_code == 400
    assert "already used" in replay.json()["error_description"]
    assert SignedCredential.objects.exclude(holder_did="").count() == 1


def test_a_foreign_challenge_or_domain_is_refused_and_the_offer_stays_usable(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    wallet = Wallet()

    _e, _p, foreign = vc_api_receive(lcw_exchange_url(lcw_link), wallet, challenge="someone-elses-challenge")
    assert foreign.status_code == 400
    assert "challenge" in foreign.json()["error_description"]
    _e, _p, elsewhere = vc_api_receive(lcw_exchange_url(lcw_link), wallet, domain="evil.example")
    assert elsewhere.status_code == 400
    assert "domain" in elsewhere.json()["error_description"]
    assert not SignedCredential.objects.exclude(holder_did="").exists()

    _e, _p, honest = vc_api_receive(lcw_exchange_url(lcw_link), wallet)
    assert honest.status_code == 200


def test_a_tampered_or_stale_presentation_is_refused(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    url = lcw_exchange_url(lcw_link)
    vpr = requests.post(url, json={}, timeout=TIMEOUT).json()["verifiablePresentationRequest"]
    wallet, impostor = Wallet(), Wallet()

    tampered = wallet.did_auth(vpr["challenge"], vpr["domain"])
    tampered["holder"] = impostor.did
    response = requests.post(url, json={"verifiablePresentation": tampered}, timeout=TIMEOUT)
    assert response.status_code == 400 and "holder" in response.json()["error_description"]

    forged = wallet.did_auth(vpr["challenge"], vpr["domain"])
    forged["proof"]["verificationMethod"] = impostor.method
    forged["holder"] = impostor.did
    response = requests.post(url, json={"verifiablePresentation": forged}, timeout=TIMEOUT)
    assert response.status_code == 400 and "signature" in response.json()["error_description"]

    stale = wallet.did_auth(vpr["challenge"], vpr["domain"], created=datetime.now(UTC) - timedelta(hours=1))
    response = requests.post(url, json={"verifiablePresentation": stale}, timeout=TIMEOUT)
    assert response.status_code == 400 and "too old" in response.json()["error_description"]


def test_an_expired_offer_is_refused(live_server, certificate):
    lcw_link, oid4vci_link = open_offer(certificate)
    code = oid4vci_offer(oid4vci_link)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    WalletOffer.objects.update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    response = requests.post(lcw_exchange_url(lcw_link), json={}, timeout=TIMEOUT)
    assert response.status_code == 400 and "expired" in response.json()["error_description"]
    offer_uri = parse_qs(urlsplit(oid4vci_link).query)["credential_offer_uri"][0]
    assert "expired" in requests.get(offer_uri, timeout=TIMEOUT).json()["error_description"]
    token = requests.post(
        f"{live_server.url}/credentials/wallet/oid4vci/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", **code},
        timeout=TIMEOUT,
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_openid4vci_refuses_a_replayed_code_a_foreign_nonce_and_a_reused_token(live_server, certificate):
    _, link = open_offer(certificate)
    offer = oid4vci_offer(link)
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    token_url = f"{live_server.url}/credentials/wallet/oid4vci/token"
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", **code}
    token = requests.post(token_url, data=grant, timeout=TIMEOUT).json()

    replayed = requests.post(token_url, data=grant, timeout=TIMEOUT)
    assert replayed.status_code == 400 and "already used" in replayed.json()["error_description"]

    wallet = Wallet()
    credential_url = f"{live_server.url}/credentials/wallet/oid4vci/credential"
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def ask(proof_jwt):
        body = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [proof_jwt]}}
        return requests.post(credential_url, json=body, headers=headers, timeout=TIMEOUT)

    foreign_nonce = ask(wallet.proof_jwt(offer["credential_issuer"], "not-the-c-nonce"))
    assert foreign_nonce.status_code == 400 and "c_nonce" in foreign_nonce.json()["error_description"]
    other_issuer = ask(wallet.proof_jwt("https://other.example", token["c_nonce"]))
    assert other_issuer.status_code == 400 and other_issuer.json()["error"] == "invalid_proof"
    assert ask(wallet.proof_jwt(offer["credential_issuer"], token["c_nonce"])).status_code == 200

    reused = ask(wallet.proof_jwt(offer["credential_issuer"], token["c_nonce"]))
    assert reused.status_code == 401 and "already used" in reused.json()["error_description"]
    assert SignedCredential.objects.exclude(holder_did="").count() == 1


def test_only_the_certificates_learner_can_open_an_offer(live_server, certificate, make_learner, clock):
    someone_else = make_learner("mallory", time=clock.tick())
    client = Client()
    client.force_login(someone_else)

    response = client.post(f"/credentials/certificates/{certificate.uuid}/wallet/")

    assert response.status_code == 403
    assert "Only the certificate's learner" in unescape(response.content.decode())
    anonymous = Client().post(f"/credentials/certificates/{certificate.uuid}/wallet/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert not WalletOffer.objects.exists()


def test_a_revoked_certificate_cannot_be_offered(live_server, certificate):
    api.revoke_certificate(certificate.uuid, reason="Issued in error")
    client = Client()
    client.force_login(get_user_model().objects.get(pk=certificate.user_id))

    response = client.post(f"/credentials/certificates/{certificate.uuid}/wallet/")

    assert response.status_code == 410
    assert not WalletOffer.objects.exists()


# --- Baked badges -----------------------------------------------------------------------------


def test_the_baked_png_and_svg_carry_a_credential_that_verifies(live_server, certificate):
    base = f"{live_server.url}/credentials/certificates/{certificate.uuid}"

    png = requests.get(f"{base}/badge.png", timeout=TIMEOUT)
    svg = requests.get(f"{base}/badge.svg", timeout=TIMEOUT)

    assert png.headers["Content-Type"] == "image/png" and svg.headers["Content-Type"] == "image/svg+xml"
    with Image.open(io.BytesIO(png.content)) as image:
        from_png = json.loads(image.text["openbadgecredential"])  # Pillow reads the iTXt chunk
        assert image.size == (512, 512)
    assert png.content.count(b"iTXtopenbadgecredential\x00\x00") == 1  # one chunk, compression flag 0
    root = ElementTree.fromstring(svg.content)
    element = root.find("{https://purl.imsglobal.org/ob/v3p0}credential")
    from_svg = json.loads(element.text)
    own = requests.get(f"{base}/credential.json", timeout=TIMEOUT).json()
    assert from_png == own == from_svg
    assert verified_independently(live_server, from_png)
    assert verified_independently(live_server, from_svg)


def badge_answers(certificate_uuid):
    """The status codes of credential.json and of the two baked badges of a certificate."""
    base = f"/credentials/certificates/{certificate_uuid}"
    return [Client().get(f"{base}/{name}").status_code for name in ("credential.json", "badge.png", "badge.svg")]


def test_the_badges_answer_503_like_credential_json_on_a_site_without_a_signing_key(make_learner, clock, settings):
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = []
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = ""
    learner = make_learner(time=clock.tick())
    api.configure_course(COURSE)
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"

    assert badge_answers(certificate.uuid) == [503, 503, 503]
    assert not SignedCredential.objects.exists()


def test_the_badges_answer_404_like_credential_json_before_the_course_shows_certificates(make_learner, clock):
    learner = make_learner(time=clock.tick())
    api.configure_course(COURSE, availability="date", available_date=datetime.now(UTC) + timedelta(days=30))
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"

    assert badge_answers(certificate.uuid) == [404, 404, 404]
    other_course = "course-v1:DemoX+Unverified+2026"
    unverified = make_learner(course_key=other_course, time=clock.tick())
    api.configure_course(other_course, id_verification_required=True)
    send_passing(unverified, course_key=other_course, time=clock.tick())
    unverified_certificate = api.get_course_certificate(unverified.id, other_course)
    assert unverified_certificate.status == "unverified"
    assert badge_answers(unverified_certificate.uuid) == [404, 404, 404]
    assert not SignedCredential.objects.exists()


def test_wallet_copies_are_listed_on_the_record_and_the_staff_learner_page(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    wallet = Wallet()
    assert vc_api_receive(lcw_exchange_url(lcw_link), wallet)[2].status_code == 200
    learner = Client()
    learner.force_login(get_user_model().objects.get(pk=certificate.user_id))
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("root", "root@example.com", "pw", is_staff=True))

    record = learner.get("/credentials/records/").content.decode()
    staff_page = staff.get(f"/credentials/courses/{COURSE}/learners/{certificate.user_id}/").content.decode()

    for html in (record, staff_page):
        assert wallet.did in html and "VC-API exchange" in html
        assert "Valid" in html
    api.revoke_certificate(certificate.uuid, reason="Issued in error")
    wallet_section = learner.get("/credentials/records/").content.decode().split('id="wallet-copies-title"')[1]
    assert 'state state-revoked">Revoked' in wallet_section


def test_a_wallet_copys_date_is_written_as_every_date_is(live_server, certificate, settings):
    settings.MIDDLEWARE = WITH_LOCALE_MIDDLEWARE
    lcw_link, _ = open_offer(certificate)
    wallet = Wallet()
    assert vc_api_receive(lcw_exchange_url(lcw_link), wallet)[2].status_code == 200
    copy = SignedCredential.objects.get(holder_did=wallet.did)
    learner = Client()
    learner.force_login(get_user_model().objects.get(pk=certificate.user_id))

    for language in ("es", "ar"):  # their DATETIME_FORMAT is not their DATE_FORMAT and TIME_FORMAT
        record = learner.get("/credentials/records/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        with translation.override(language):
            written = localized_datetime(copy.signed_at)
            assert written != formats.date_format(timezone.localtime(copy.signed_at), "DATETIME_FORMAT")
        wallet_section = record.split('id="wallet-copies-title"')[1]
        assert f">{escape(written)}</td>" in wallet_section, (language, written)


# --- With the Learner Credential Wallet's own libraries ---------------------------------------

WALLET_JS = Path(__file__).parent / "wallet_js"
NODE = shutil.which("node")


@pytest.mark.skipif(
    NODE is None or not (WALLET_JS / "node_modules").is_dir(),
    reason="needs Node.js and the wallet's libraries: npm ci --prefix tests/wallet_js",
)
def test_the_wallets_own_libraries_complete_the_exchange(live_server, certificate):
    """
    LCW's DID authentication made by the very packages LCW signs it with (@digitalcredentials/vc
    signPresentation, Ed25519Signature2020, a did:key), in Node, against the live server.
    """
    lcw_link, _ = open_offer(certificate)

    run = subprocess.run(  # noqa: S603 (our own script, a URL of the live server)
        [NODE, str(WALLET_JS / "lcw_exchange.mjs"), lcw_exchange_url(lcw_link)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout)
    assert outcome["status"] == 200, outcome["body"]
    assert outcome["presentation"]["proof"]["type"] == "Ed25519Signature2020"
    received = outcome["body"]["verifiablePresentation"]["verifiableCredential"][0]
    assert received["credentialSubject"]["id"] == outcome["did"]
    assert verified_independently(live_server, received)
    api.revoke_certificate(certificate.uuid, reason="Issued in error")
    assert status_bit(received) == 1


def test_the_anonymous_wallet_endpoints_have_a_budget_per_client(live_server, certificate, settings):
    settings.CREDENTIALS_PLUGIN_WALLET_RATE_LIMIT = "2/minute"
    lcw_link, _ = open_offer(certificate)
    url = lcw_exchange_url(lcw_link)

    answers = [requests.post(url, json={}, timeout=TIMEOUT) for _ in range(3)]
    token = requests.post(f"{live_server.url}/credentials/wallet/oid4vci/token", data={}, timeout=TIMEOUT)

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) > 0 and answers[2].json()["error"] == "slow_down"
    assert token.status_code == 429  # counted together


def test_oversized_or_malformed_wallet_requests_are_refused_with_reasons(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    url = lcw_exchange_url(lcw_link)

    too_large = requests.post(url, data=b"{" + b" " * (MAX_WALLET_REQUEST_BYTES + 1) + b"}", timeout=TIMEOUT)
    not_json = requests.post(url, data=b"{not json", timeout=TIMEOUT)
    unknown = requests.post(f"{live_server.url}/credentials/wallet/exchanges/{'x' * 43}/", json={}, timeout=TIMEOUT)
    no_token = requests.post(
        f"{live_server.url}/credentials/wallet/oid4vci/credential",
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc"},
        timeout=TIMEOUT,
    )
    other_type = requests.post(
        f"{live_server.url}/credentials/wallet/oid4vci/credential",
        json={"credential_configuration_id": "mDL"},
        timeout=TIMEOUT,
    )

    assert too_large.status_code == 413 and "too large" in too_large.json()["error_description"]
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error_description"]
    assert unknown.status_code == 404 and "not one this site made" in unknown.json()["error_description"]
    assert no_token.status_code == 401 and no_token.json()["error"] == "invalid_token"
    assert other_type.status_code == 400 and other_type.json()["error"] == "unsupported_credential_type"
    assert requests.get(url, timeout=TIMEOUT).status_code == 405
    # None of it used the offer: the wallet can still redeem it.
    assert vc_api_receive(url, Wallet())[2].status_code == 200


def test_retiring_the_learner_forgets_their_wallets(live_server, certificate):
    lcw_link, _ = open_offer(certificate)
    wallet = Wallet()
    received = vc_api_receive(lcw_exchange_url(lcw_link), wallet)[2].json()["verifiablePresentation"]
    open_offer(certificate)  # one more, never redeemed

    call_command("retire_learner", str(certificate.user_id))

    assert not WalletOffer.objects.exists()
    copy = SignedCredential.objects.exclude(holder_did="").get()
    assert copy.holder_did == "retired" and copy.document == "" and copy.revoked
    assert status_bit(received["verifiableCredential"][0]) == 1
    assert not AuditRecord.objects.filter(reason__contains=wallet.did).exists()
    # The certificate's own credential is not confused with the copy: nothing is served.
    url = f"{live_server.url}/credentials/certificates/{certificate.uuid}/credential.json"
    assert requests.get(url, timeout=TIMEOUT).status_code in (404, 410)


def test_wallets_in_a_browser_may_call_the_wallet_endpoints_without_cookies(live_server, certificate):
    origin = {"Origin": "https://wallet.example"}
    metadata = requests.get(f"{live_server.url}/.well-known/openid-credential-issuer", headers=origin, timeout=TIMEOUT)
    preflight = requests.options(
        f"{live_server.url}/credentials/wallet/oid4vci/credential",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
        timeout=TIMEOUT,
    )

    assert metadata.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in metadata.headers
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # The learner's own page is not opened to other origins.
    page = requests.get(
        f"{live_server.url}/credentials/certificates/{certificate.uuid}/wallet/", headers=origin, timeout=TIMEOUT
    )
    assert "Access-Control-Allow-Origin" not in page.headers


@pytest.mark.skipif(
    NODE is None or not (WALLET_JS / "node_modules" / "@sphereon").is_dir(),
    reason="needs Node.js and the wallet libraries: npm ci --prefix tests/wallet_js",
)
def test_an_openid4vci_client_library_receives_the_credential(live_server, certificate):
    """Sphereon's OpenID4VCI client (used by wallets built on it) follows our offer end to end."""
    _, link = open_offer(certificate)

    run = subprocess.run(  # noqa: S603 (our own script, an offer of the live server)
        [NODE, str(WALLET_JS / "oid4vci_wallet.mjs"), link], capture_output=True, text=True, timeout=120, check=False
    )

    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout)
    received = outcome["response"]["credential"]
    assert received["credentialSubject"]["id"] == outcome["did"]
    assert verified_independently(live_server, received)
    api.revoke_certificate(certificate.uuid, reason="Issued in error")
    assert status_bit(received) == 1


def test_a_learner_opens_a_bounded_number_of_offers_and_stale_ones_are_dropped(live_server, certificate, settings):
    learner = Client()
    learner.force_login(get_user_model().objects.get(pk=certificate.user_id))
    url = f"/credentials/certificates/{certificate.uuid}/wallet/"
    for _ in range(WALLET_OFFERS_PER_HOUR):
        assert learner.post(url).status_code == 200

    refused = learner.post(url)

    assert refused.status_code == 429 and "Too many wallet offers" in unescape(refused.content.decode())
    assert WalletOffer.objects.count() == WALLET_OFFERS_PER_HOUR
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    WalletOffer.objects.update(created=two_hours_ago, expires_at=two_hours_ago)
    assert learner.post(url).status_code == 200
    assert WalletOffer.objects.count() == 1  # the stale ones went
