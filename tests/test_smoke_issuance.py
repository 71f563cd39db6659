"""A learner who passes gets exactly one awarded certificate, through real events."""

import pytest

from credentials_plugin import api
from tests.conftest import COURSE, send_passing


@pytest.mark.django_db
def test_passing_event_awards_one_certificate(make_learner, emitted):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner()

    send_passing(learner)

    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"
    assert certificate.public_url == f"http://testserver/credentials/certificates/{certificate.uuid}/"
    assert emitted.kinds() == ["created"]
