"""The public certificate page renders the certificate, and tells plainly when it is not valid."""

import pytest

from credentials_plugin import api
from tests.conftest import COURSE, send_passing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def certificate(make_learner, clock):
    api.configure_course(COURSE)
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Grace <script>alert(1)</script>", "Hopper"
    learner.save()
    send_passing(learner, time=clock.tick())
    return api.get_course_certificate(learner.id, COURSE)


def test_an_awarded_certificate_shows_the_certified_name_escaped(client, certificate):
    response = client.get(certificate.public_url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grace &lt;script&gt;alert(1)&lt;/script&gt; Hopper" in body
    assert "<script>alert(1)" not in body
    assert str(certificate.uuid) in body


def test_a_revoked_certificate_is_gone_and_says_since_when(client, certificate):
    revoked = api.revoke_certificate(certificate.uuid, reason="Fraud")
    response = client.get(certificate.public_url)
    assert response.status_code == 410
    assert f"revoked on {revoked.revoked_at.date().isoformat()}" in response.content.decode()


def test_an_unknown_certificate_is_a_404_page(client):
    response = client.get("/credentials/certificates/6f1c5c9e-1111-4a4a-9c9c-123456789abc/")
    assert response.status_code == 404
    assert "Certificate not found" in response.content.decode()


def test_no_action_through_a_post(client, certificate):
    assert client.post(certificate.public_url).status_code == 405
