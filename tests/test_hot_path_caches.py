"""What the issuance hot path caches per process, and that each cache follows what it depends on."""

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from credentials_plugin import api
from credentials_plugin.core.links import absolute_url, certificate_url


def test_a_certificate_url_is_what_reverse_gives():
    some = uuid.uuid4()
    assert certificate_url(some) == absolute_url(reverse("credentials_plugin:certificate", args=[some]))
    assert certificate_url(str(some)) == certificate_url(some)


def test_a_certificate_url_follows_the_public_base_url_and_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    some = uuid.uuid4()
    with override_settings(CREDENTIALS_PLUGIN_PUBLIC_BASE_URL="https://certs.example.org/"):
        assert certificate_url(some) == f"https://certs.example.org/credentials/certificates/{some}/"
    prefix = get_script_prefix()
    set_script_prefix("/lms/")
    try:
        assert certificate_url(some) == absolute_url(f"/lms/credentials/certificates/{some}/")
    finally:
        set_script_prefix(prefix)
    assert certificate_url(some) == absolute_url(reverse("credentials_plugin:certificate", args=[some]))


def test_a_string_that_is_no_uuid_is_refused_as_reverse_refuses_it():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        certificate_url("not-a-uuid")


def test_the_backend_is_decided_once_and_again_when_its_setting_changes(monkeypatch):
    from credentials_plugin import backends
    from credentials_plugin.backends.standalone import StandaloneBackend

    asked = []

    def importable():
        asked.append(1)
        return False

    monkeypatch.setattr(backends, "edx_platform_is_importable", importable)
    with override_settings(CREDENTIALS_PLUGIN_BACKEND="auto"):
        first = backends.get_backend()
        assert backends.get_backend() is first and isinstance(first, StandaloneBackend)
        assert len(asked) == 1
        with override_settings(CREDENTIALS_PLUGIN_BACKEND="tests.platform_backend.InMemoryPlatformBackend"):
            assert type(backends.get_backend()).__name__ == "InMemoryPlatformBackend"
        assert backends.get_backend() is first  # decided again, the same instance
        assert len(asked) == 2
    assert isinstance(backends.get_backend(), StandaloneBackend)


# ---------------------------------------------------------------------------
# Statements built once (core/statements.py) do what the ORM's do
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_prepared_facts_lock_reads_what_the_orm_reads(make_learner, clock):
    from django.db.models import Exists, OuterRef

    from credentials_plugin.certificates import issuance
    from credentials_plugin.models import CourseCertificate, LearnerCourseFacts
    from tests.conftest import COURSE, send_enrollment, send_grade, send_passing

    learner, other = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    api.configure_course(COURSE, enabled=True)
    send_enrollment(other, time=clock.tick())
    send_grade(learner, percent=0.875, letter="B", time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert CourseCertificate.objects.filter(user=learner).exists()
    holds = CourseCertificate.objects.filter(user_id=OuterRef("user_id"), course_key=OuterRef("course_key"))
    for user in (learner, other):
        expected = LearnerCourseFacts.objects.annotate(has_certificate=Exists(holds)).get(user=user, course_key=COURSE)
        (got,) = issuance._LOCK_FACTS.rows(user_id=user.id, course_key=COURSE)
        fields = [field.attname for field in LearnerCourseFacts._meta.concrete_fields]
        assert [getattr(got, name) for name in fields] == [getattr(expected, name) for name in fields]
        assert got.has_certificate is expected.has_certificate is (user == learner)
        assert not got._state.adding and got._state.db == "default"
    assert issuance._LOCK_FACTS.rows(user_id=learner.id, course_key="course-v1:NoSuch+X+Y") == []


@pytest.mark.django_db
def test_insert_row_and_update_row_write_what_the_orm_writes(make_learner, clock):
    from django.db.models.signals import post_save

    from credentials_plugin.core.statements import insert_row, update_row
    from credentials_plugin.models import CourseCertificate
    from tests.conftest import COURSE

    learner = make_learner(time=clock.tick())
    saved = []

    def on_save(sender, instance, created, **kwargs):
        saved.append((instance.pk, created))

    post_save.connect(on_save, sender=CourseCertificate)
    try:
        certificate = insert_row(
            CourseCertificate(
                user_id=learner.id, course_key=COURSE, status="awarded", learner_name="Ada", issued_at=clock.tick()
            )
        )
    finally:
        post_save.disconnect(on_save, sender=CourseCertificate)
    assert saved == [(certificate.pk, True)]
    assert certificate.pk and not certificate._state.adding and certificate.created and certificate.modified
    stored = CourseCertificate.objects.get(pk=certificate.pk)
    fields = [field.attname for field in CourseCertificate._meta.concrete_fields]
    assert [getattr(stored, name) for name in fields] == [getattr(certificate, name) for name in fields]
    assert update_row(CourseCertificate, certificate.pk, {"learner_name": "Ada L.", "letter_grade": "A"}) == 1
    stored.refresh_from_db()
    assert (stored.learner_name, stored.letter_grade, stored.status) == ("Ada L.", "A", "awarded")


# ---------------------------------------------------------------------------
# The course's name, when the event does not carry it
# ---------------------------------------------------------------------------


def _send_nameless_passing(user, time):
    from openedx_events.learning.data import CourseData, CoursePassingStatusData
    from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

    from tests.conftest import COURSE, user_data

    COURSE_PASSING_STATUS_UPDATED.send_event(
        time=time,
        course_passing_status=CoursePassingStatusData(
            is_passing=True, course=CourseData(course_key=COURSE), user=user_data(user)
        ),
    )


@pytest.mark.django_db
def test_the_catalog_name_is_read_once_per_course_and_again_after_a_rename(make_learner, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from credentials_plugin.models import CourseCertificate
    from tests.conftest import COURSE, send_enrollment
    from tests.test_standalone_facts import send_catalog

    api.configure_course(COURSE, enabled=True)
    send_catalog("Old name", clock.tick())
    learners = [make_learner(time=clock.tick()) for _ in range(3)]
    for learner in learners:
        send_enrollment(learner, time=clock.tick())
    _send_nameless_passing(learners[0], clock.tick())
    with CaptureQueriesContext(connection) as captured:
        _send_nameless_passing(learners[1], clock.tick())
    assert not [query for query in captured.captured_queries if 'credentials_plugin_coursefacts"' in query["sql"]]
    send_catalog("New name", clock.tick())
    _send_nameless_passing(learners[2], clock.tick())
    names = dict(CourseCertificate.objects.values_list("user_id", "course_name"))
    assert [names[learner.id] for learner in learners] == ["Old name", "Old name", "New name"]


# ---------------------------------------------------------------------------
# A course in no program: nothing runs after the commit
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_course_in_no_program_leaves_nothing_to_run_after_the_commit(make_learner, clock, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from credentials_plugin.programs import awarding
    from tests.conftest import COURSE, send_enrollment, send_passing

    checked = []
    monkeypatch.setattr(awarding, "after_certificate_change", lambda *args, **kwargs: checked.append(args))
    api.configure_course(COURSE, enabled=True)
    learners = [make_learner(time=clock.tick()) for _ in range(3)]
    for learner in learners:
        send_enrollment(learner, time=clock.tick())
    send_passing(learners[0], time=clock.tick())  # the course's first: reads (and caches) its programs
    with CaptureQueriesContext(connection) as captured:
        send_passing(learners[1], time=clock.tick())
    assert checked == []
    assert not [query for query in captured.captured_queries if "programcourserun" in query["sql"]]

    api.define_program(title="Everything", program_type="Professional Certificate", requirements=[[str(COURSE)]])
    send_passing(learners[2], time=clock.tick())
    assert checked == [(learners[2].id, COURSE)]
