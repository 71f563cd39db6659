"""
Engagement counts: the counts match the requests made (crawlers and scripts left out), nothing is
written to the database on the request path, nothing about the visitor is kept, and the owner,
the course's staff and the API read them.
"""

import threading
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials_plugin import api
from credentials_plugin.engagement import counting
from credentials_plugin.models import EngagementCount
from tests.conftest import COURSE, send_passing
from tests.test_rest_api import grant, make_user

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
API = "/api/credentials_plugin/v1/"
Kind = EngagementCount.Kind


@pytest.fixture
def learner(make_learner, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    return learner


@pytest.fixture
def certificate(learner):
    return api.get_course_certificate(learner.id, COURSE)


def counts_of(certificate):
    return dict(
        EngagementCount.objects.filter(certificate__uuid=certificate.uuid).values_list("kind", "count").order_by("kind")
    )


def test_the_counts_match_the_requests_made(client, certificate):
    page = certificate.public_url
    for _ in range(5):
        assert client.get(page, HTTP_USER_AGENT=BROWSER).status_code == 200
    client.get(page, HTTP_USER_AGENT=GOOGLEBOT)  # a crawler
    client.get(page, HTTP_USER_AGENT=GOOGLEBOT)
    client.get(page)  # a script without a user agent
    client.head(page, HTTP_USER_AGENT=BROWSER)  # not a view
    for _ in range(2):
        assert client.get(f"{page}credential.json", HTTP_USER_AGENT=BROWSER).status_code == 200
    for _ in range(3):
        shared = client.get(f"{page}share/linkedin/", HTTP_USER_AGENT=BROWSER)
        assert shared.status_code == 302 and shared["Location"].startswith("https://www.linkedin.com/profile/add?")
    assert client.get(f"{page}share/email/", HTTP_USER_AGENT=BROWSER)["Location"].startswith("mailto:?")
    for _ in range(2):
        verified = client.get("/credentials/verify/", {"certificate": str(certificate.uuid)}, HTTP_USER_AGENT=BROWSER)
        assert verified.status_code == 200
    response = client.post(
        f"{API}verify/", {"certificate": page}, content_type="application/json", HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 200

    assert not EngagementCount.objects.exists()  # nothing written on the request path
    counting.flush()

    assert counts_of(certificate) == {
        Kind.DOWNLOAD: 2,
        Kind.SHARE_EMAIL: 1,
        Kind.SHARE_LINKEDIN: 3,
        Kind.VERIFY_API: 1,
        Kind.VERIFY_PAGE: 2,
        Kind.VIEW: 5,
    }
    assert set(EngagementCount.objects.values_list("day", flat=True)) == {timezone.now().date()}


def test_a_flush_moves_each_count_once_and_keeps_what_came_after(client, certificate):
    for _ in range(3):
        client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    counting.flush()
    counting.flush()
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    counting.flush()
    assert counts_of(certificate) == {Kind.VIEW: 4}
    assert EngagementCount.objects.count() == 1


def test_a_cached_page_view_writes_nothing_to_the_database(client, certificate):
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)  # rendered and cached
    with CaptureQueriesContext(connection) as queries:
        assert client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER).status_code == 200
    assert not [query for query in queries if not query["sql"].lstrip().upper().startswith("SELECT")]


def test_nothing_about_the_visitor_is_kept():
    columns = {field.name for field in EngagementCount._meta.get_fields()}
    assert columns == {"id", "certificate", "course_key", "day", "kind", "count"}


def test_counting_off_counts_nothing(client, certificate, settings):
    settings.CREDENTIALS_PLUGIN_COUNT_ENGAGEMENT = False
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    assert counting.flush() == 0


def test_share_links_of_a_certificate_that_is_not_public_go_nowhere(client, certificate, admin_user):
    assert client.get(f"{certificate.public_url}share/myspace/", HTTP_USER_AGENT=BROWSER).status_code == 404
    api.revoke_certificate(certificate.uuid, reason="test", actor=admin_user)
    assert client.get(f"{certificate.public_url}share/linkedin/", HTTP_USER_AGENT=BROWSER).status_code == 404
    counting.flush()
    assert counts_of(certificate) == {}


def test_the_certificate_page_links_its_share_buttons_through_the_counter(client, certificate):
    body = client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER).content.decode()
    for network in ("linkedin", "x", "facebook", "email"):
        assert f'href="/credentials/certificates/{certificate.uuid}/share/{network}/"' in body


def test_the_owner_sees_their_counts_on_their_record(client, learner, certificate):
    visitor = Client()
    for _ in range(12):
        visitor.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    for _ in range(3):
        visitor.get("/credentials/verify/", {"certificate": str(certificate.uuid)}, HTTP_USER_AGENT=BROWSER)
    counting.flush()

    client.force_login(learner)
    record = client.get("/credentials/records/").content.decode()
    assert "Viewed 12 times, verified 3 times" in record


def test_course_staff_see_totals_and_a_chart(client, certificate, clock):
    EngagementCount.objects.create(
        certificate_id=api_pk(certificate), course_key=COURSE, day=timezone.now().date(), kind=Kind.VIEW, count=7
    )
    EngagementCount.objects.create(
        certificate_id=api_pk(certificate),
        course_key=COURSE,
        day=timezone.now().date() - timedelta(days=3),
        kind=Kind.VERIFY_PAGE,
        count=2,
    )
    staff = make_user("assistant")
    grant(staff, "staff")
    client.force_login(staff)

    page = client.get(f"/credentials/courses/{COURSE}/engagement/")

    body = page.content.decode()
    assert page.status_code == 200
    assert '<svg viewBox="0 0 640 200"' in body and 'role="img"' in body
    assert body.count("<rect x=") == 60  # 30 days x (views, verifications)
    assert '<span class="stat-count">7</span><span class="stat-label">Page views</span>' in body
    assert '<span class="stat-count">2</span><span class="stat-label">Verifications</span>' in body
    assert "<script" not in body


def test_a_learner_may_not_see_the_course_engagement(client, learner):
    client.force_login(learner)
    assert client.get(f"/credentials/courses/{COURSE}/engagement/").status_code == 403
    assert client.get(f"{API}courses/{COURSE}/engagement/").status_code == 403


def test_the_api_serves_the_owner_and_the_course_staff(client, learner, certificate, make_learner):
    visitor = Client()
    for _ in range(4):
        visitor.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    counting.flush()

    client.force_login(learner)
    own = client.get(f"{API}certificates/{certificate.uuid}/engagement/")
    assert own.status_code == 200 and own.json()["views"] == 4 and own.json()["verifications"] == 0

    client.force_login(make_learner(enroll=False))
    assert client.get(f"{API}certificates/{certificate.uuid}/engagement/").status_code in (403, 404)

    staff = make_user("assistant")
    grant(staff, "staff")
    client.force_login(staff)
    course = client.get(f"{API}courses/{COURSE}/engagement/", {"days": 7})
    assert course.status_code == 200
    assert course.json()["totals"]["views"] == 4
    assert [day["views"] for day in course.json()["days"]] == [0, 0, 0, 0, 0, 0, 4]
    assert client.get(f"{API}courses/{COURSE}/engagement/", {"days": 10_000}).status_code == 400


def api_pk(certificate):
    from credentials_plugin.models import CourseCertificate

    return CourseCertificate.objects.get(uuid=certificate.uuid).pk


def test_the_flush_command_moves_the_counts(client, certificate):
    from io import StringIO

    from django.core.management import call_command

    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    out = StringIO()
    call_command("flush_engagement_counts", stdout=out)
    assert out.getvalue().strip() == "Moved 1 counts to the database."
    assert counts_of(certificate) == {Kind.VIEW: 1}


# ---------------------------------------------------------------------------
# The per-process buffer and its pushes to the shared cache
# ---------------------------------------------------------------------------


@pytest.fixture
def own_buffer():
    """A fresh buffer, as a forked worker starts with, whose pusher thread never runs (a server without threads)."""
    counting._forget_parents_buffer()
    counting._buffer.pusher = threading.Thread(target=lambda: None)
    counting._buffer.overdue_at = float("inf")
    yield counting._buffer
    counting._forget_parents_buffer()


def cache_counter(certificate, kind=Kind.VIEW):
    return cache.get(counting._counter_key(timezone.now().date(), certificate.uuid, kind))


def test_a_counted_view_only_adds_to_the_process_buffer_until_a_push(client, certificate, own_buffer):
    for _ in range(5):
        client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    assert cache_counter(certificate) is None  # the request path touched no cache counter
    assert sum(own_buffer.counts.values()) == 5
    assert counting.push() == 5
    assert cache_counter(certificate) == 5 and not own_buffer.counts
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    counting.push()
    assert cache_counter(certificate) == 6
    counting.flush()
    assert counts_of(certificate) == {Kind.VIEW: 6}


def test_the_pusher_thread_pushes_a_fresh_process_buffer(client, certificate, monkeypatch):
    monkeypatch.setattr(counting, "ENGAGEMENT_PUSH_SECONDS", 0.05)
    counting._forget_parents_buffer()  # as in a forked worker: no thread yet, the parent's counts forgotten
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    assert counting._buffer.pusher is not None and counting._buffer.pusher.daemon
    for _ in range(200):  # waits for the thread (at most 10 s), times nothing
        if cache_counter(certificate) == 1:
            break
        threading.Event().wait(0.05)
    assert cache_counter(certificate) == 1 and not counting._buffer.counts


def test_a_request_pushes_when_the_pusher_thread_is_overdue(client, certificate, own_buffer):
    own_buffer.overdue_at = 0  # the thread never ran (a server that runs no threads)
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    assert cache_counter(certificate) == 1 and not own_buffer.counts


def test_a_full_buffer_is_pushed_by_the_request_that_fills_it(client, certificate, own_buffer, monkeypatch):
    monkeypatch.setattr(counting, "MAX_BUFFERED_ENGAGEMENT_COUNTS", 2)
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    assert cache_counter(certificate) is None
    client.get(f"{certificate.public_url}share/linkedin/", HTTP_USER_AGENT=BROWSER)  # a second (day, uuid, kind)
    assert cache_counter(certificate) == 1 and cache_counter(certificate, Kind.SHARE_LINKEDIN) == 1


class UnreachableCache:
    def __init__(self):
        self.tries = 0

    def __getattr__(self, name):
        self.tries += 1
        raise ConnectionError("the cache is down")


def test_counts_a_push_could_not_deliver_wait_for_the_next(client, certificate, own_buffer, monkeypatch):
    for _ in range(3):
        assert client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER).status_code == 200
    with monkeypatch.context() as patched:
        patched.setattr(counting, "caches", {DEFAULT_CACHE_ALIAS: UnreachableCache()})
        assert counting.push() == 0
    assert sum(own_buffer.counts.values()) == 3
    counting.flush()
    assert counts_of(certificate) == {Kind.VIEW: 3}


def test_a_forked_child_does_not_push_its_parents_counts(client, certificate, own_buffer):
    client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER)
    counting._forget_parents_buffer()  # what os.register_at_fork runs in the child
    assert counting._buffer is not own_buffer and not counting._buffer.counts
    assert sum(own_buffer.counts.values()) == 1  # still the parent's, to push


def test_requests_do_not_retry_an_unreachable_cache_each_time(client, certificate, own_buffer, monkeypatch):
    monkeypatch.setattr(counting, "MAX_BUFFERED_ENGAGEMENT_COUNTS", 1)
    unreachable = UnreachableCache()
    with monkeypatch.context() as patched:
        patched.setattr(counting, "caches", {DEFAULT_CACHE_ALIAS: unreachable})
        assert client.get(certificate.public_url, HTTP_USER_AGENT=BROWSER).status_code == 200  # fills it: one try
        for network in ("linkedin", "x", "email"):
            assert client.get(f"{certificate.public_url}share/{network}/", HTTP_USER_AGENT=BROWSER).status_code == 302
        assert unreachable.tries == 1
    counting.flush()  # the cache is back: nothing was lost meanwhile
    assert counts_of(certificate) == {Kind.VIEW: 1, Kind.SHARE_LINKEDIN: 1, Kind.SHARE_X: 1, Kind.SHARE_EMAIL: 1}


def test_a_share_is_worded_in_the_pages_language_when_the_course_names_none(client, certificate, settings):
    settings.LANGUAGE_CODE = "es"  # the site's language; the course's configuration sets none
    response = client.get(f"{certificate.public_url}share/email/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert "He obtenido un certificado" in unquote(response["Location"]), unquote(response["Location"])
