"""
The issuance state machine under random sequences of LMS events and staff actions (hypothesis).

Two learners and two courses (and a program of both). Hypothesis sends real openedx-events
(enrollments, passing statuses, grades) with times in order, out of order and replayed, and
interleaves what staff do (revoke, reinstate, allowlist add and remove, regenerate, rename a
learner, reconfigure a course, re-evaluate a learner). Beside the real system runs a model written
from the documented rules (DESIGN.md, ``rules.decide``'s docstring), not from their code. After
every step:

- at most one certificate per learner and course, and one program credential per learner;
- each certificate's status is the model's: the newest fact of each kind (by event time) wins,
  an older or repeated report changes nothing, a revocation stands until reinstated, a
  configuration change applies at the learner's next evaluation;
- ``issuance.explain`` (``rules.decide`` on the stored facts) agrees with the model on what the
  next evaluation would do;
- the audit trail holds exactly one record per status change, in order, and one per snapshot
  change (regeneration, late grade); every allowlist change is audited once;
- exactly one CERTIFICATE_* event per audited change, in the same order and with the same
  statuses; one PROGRAM_CERTIFICATE_* event per change of the program credential.

Fresh database rows and cache for each example: pytest fixtures are not reset between examples.
CREDENTIALS_PLUGIN_STATE_MACHINE_EXAMPLES=N runs N examples (the ``slow`` test runs 500).
"""

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.signals import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    PROGRAM_CERTIFICATE_AWARDED,
    PROGRAM_CERTIFICATE_REVOKED,
)

from credentials_plugin import api
from credentials_plugin.backends import event_facts
from credentials_plugin.certificates import issuance
from credentials_plugin.models import AuditRecord, CourseCertificate, ProgramCredential
from credentials_plugin.statuses import PLATFORM_STATUS_WORDS, AuditAction, CauseKind, GradeDropPolicy
from tests.conftest import EventRecorder, send_enrollment, send_grade, send_passing

pytestmark = [
    pytest.mark.django_db,
    # The rules, not the database, are under test: once, on SQLite (MariaDB's run would take minutes).
    pytest.mark.skipif(os.environ.get("CREDENTIALS_PLUGIN_TEST_DB") == "mysql", reason="runs on SQLite"),
]

COURSES = (
    CourseKey.from_string("course-v1:StateX+First+2026"),
    CourseKey.from_string("course-v1:StateX+Second+2026"),
)
LEARNERS = 2
GRADES = (Decimal("0.3000"), Decimal("0.5500"), Decimal("0.8000"), Decimal("0.9500"))
MINIMUM_GRADES = (None, Decimal("0.50"), Decimal("0.80"))
# Weighted toward what earns a certificate (hypothesis draws uniformly), else few are ever issued.
MODES = st.sampled_from(("verified", "verified", "audit", "honor"))  # by default only verified earns one
MOSTLY_TRUE = st.sampled_from((True, True, True, False))
#: A new, later event time (None) three times in four; else an index into the times used before.
REPLAY = st.one_of(st.none(), st.none(), st.none(), st.integers(0, 50))
EVENTS = st.one_of(
    st.tuples(st.just("enrollment"), MODES, MOSTLY_TRUE),
    st.tuples(st.just("passing"), MOSTLY_TRUE),
    st.tuples(st.just("grade"), st.sampled_from(GRADES)),
)
NAMES = ("Ada Lovelace", "Grace Hopper", "عائشة الحربي")
AWARDED, NOT_PASSING, REVOKED = "awarded", "not_passing", "revoked"
STAFF_CAUSE = issuance.Cause(kind=CauseKind.STAFF, source="state-machine")

EXAMPLES = int(os.environ.get("CREDENTIALS_PLUGIN_STATE_MACHINE_EXAMPLES", "40"))
STEPS = 50
RUNS = Counter()  # examples and steps run, for the report


def wipe_database():
    """Empty the plugin's and the users' tables (no post_migrate, unlike flush): one fresh world per example."""
    models = [*apps.get_app_config("credentials_plugin").get_models(), get_user_model()]
    tables = {model._meta.db_table for model in models}
    tables |= {field.m2m_db_table() for model in models for field in model._meta.local_many_to_many}
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), sorted(tables), allow_cascade=True))
    cache.clear()


# ---------------------------------------------------------------------------
# The model: the documented rules, written independently of certificates/rules.py
# ---------------------------------------------------------------------------


class Pair:
    """What the model knows of one learner in one course."""

    def __init__(self):
        self.enrollment = None  # (mode, is_active)
        self.is_passing = None
        self.grade = None
        self.as_of = {"enrollment": None, "passing": None, "grade": None}
        self.allowlisted = False
        self.status = None
        self.grade_on_certificate = None
        self.name_on_certificate = None
        self.transitions = []  # (old, new) status changes, creation as ("", new)
        self.snapshot_changes = 0
        self.allowlist_changes = 0

    def report(self, kind, as_of, **values):
        """An LMS report: applied only when newer than the last of its kind. True when applied."""
        if self.as_of[kind] is not None and as_of <= self.as_of[kind]:
            return False
        self.as_of[kind] = as_of
        for name, value in values.items():
            setattr(self, name, value)
        return True

    def grade_problem(self, config):
        if self.is_passing is not True:
            return True
        minimum = config["minimum_grade"]
        return minimum is not None and (self.grade is None or self.grade < minimum)

    def target(self, config, *, reinstating=False):
        """The status the documented rules give (the current one when nothing changes)."""
        status = AWARDED if reinstating else self.status
        if status == REVOKED:
            return REVOKED  # a revocation stands until staff reinstate
        if not config["enabled"]:
            return None if reinstating else status
        holds = status == AWARDED
        if not holds and not (self.enrollment and self.enrollment[1] and self.enrollment[0] == "verified"):
            return status  # earning needs an active enrollment in an eligible mode; keeping does not
        if self.grade_problem(config) and not self.allowlisted:  # the allowlist waives the grade, not the mode
            return NOT_PASSING if holds and config["on_grade_drop"] == GradeDropPolicy.MARK_NOT_PASSING else status
        return AWARDED

    def move_to(self, status):
        RUNS[f"changes to {status}"] += 1
        self.transitions.append((self.status or "", status))
        self.status = status

    def evaluate(self, config, name):
        """
        What an evaluation does: a status change (a new certificate takes today's name and grade),
        else a grade that arrived after the certificate fills it.
        """
        target = self.target(config)
        if target != self.status:
            if self.status is None:
                self.name_on_certificate, self.grade_on_certificate = name, self.grade
            self.move_to(target)
        elif self.status == AWARDED and self.grade_on_certificate is None and self.grade is not None:
            self.grade_on_certificate = self.grade
            self.snapshot_changes += 1


def event_kind(old, new):
    """The documented event of a change: CREATED on becoming awarded, REVOKED on leaving it, else CHANGED."""
    if new == AWARDED and old != AWARDED:
        return "created"
    return "revoked" if old == AWARDED and new != AWARDED else "changed"


class IssuanceMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        wipe_database()
        RUNS["examples"] += 1
        users = get_user_model().objects
        self.staff = users.create_user("staff", "staff@example.com", "pw", is_staff=True)
        self.learners = []
        for number in range(LEARNERS):
            first, last = NAMES[number].split(" ", 1)
            self.learners.append(
                users.create_user(f"learner{number}", f"l{number}@example.com", "pw", first_name=first, last_name=last)
            )
        self.names = {learner.pk: NAMES[number] for number, learner in enumerate(self.learners)}
        self.configs = {}
        for course in COURSES:
            self.configure(course, enabled=True, on_grade_drop=GradeDropPolicy.MARK_NOT_PASSING, minimum_grade=None)
        self.program = api.define_program(title="Both courses", requirements=[[COURSES[0]], [COURSES[1]]])
        self.pairs = {(learner.pk, course): Pair() for learner in self.learners for course in COURSES}
        self.program_status = {learner.pk: None for learner in self.learners}
        self.program_changes = Counter()
        self.times = []
        self.clock = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        self.certificate_events = EventRecorder(
            {"created": CERTIFICATE_CREATED, "changed": CERTIFICATE_CHANGED, "revoked": CERTIFICATE_REVOKED},
            "certificate",
        )
        self.program_events = EventRecorder(
            {"awarded": PROGRAM_CERTIFICATE_AWARDED, "revoked": PROGRAM_CERTIFICATE_REVOKED}, "program_certificate"
        )

    def teardown(self):
        self.certificate_events.disconnect()
        self.program_events.disconnect()

    # -- helpers ------------------------------------------------------------

    def event_time(self, replay):
        """A new, later time; or (REPLAY) one used before: a duplicate or an out-of-order event."""
        if replay is None or not self.times:
            self.clock += timedelta(seconds=1)
            self.times.append(self.clock)
            return self.clock
        return self.times[replay % len(self.times)]

    def configure(self, course, **config):
        api.configure_course(course, actor=self.staff, **config)
        self.configs[course] = config

    def evaluated(self, learner, course):
        self.pairs[learner.pk, course].evaluate(self.configs[course], self.names[learner.pk])
        self.settle_program(learner)

    def settle_program(self, learner):
        """The program (both courses, policy: revoke on loss) follows the learner's awarded certificates."""
        complete = all(self.pairs[learner.pk, course].status == AWARDED for course in COURSES)
        before = self.program_status[learner.pk]
        after = AWARDED if complete else (REVOKED if before else None)
        if after != before:
            self.program_status[learner.pk] = after
            self.program_changes[learner.pk] += 1

    def certificate(self, learner, course):
        return CourseCertificate.objects.filter(user=learner, course_key=course).first()

    # -- the start, then LMS events ---------------------------------------------

    @initialize(on_grade_drop=st.sampled_from(GradeDropPolicy.values), minimum_grade=st.sampled_from(MINIMUM_GRADES))
    def courses_are_configured(self, on_grade_drop, minimum_grade):
        for course in COURSES:
            self.configure(course, enabled=True, on_grade_drop=on_grade_drop, minimum_grade=minimum_grade)

    @initialize()
    def everyone_enrolls_as_verified(self):
        """The usual start (hypothesis then changes it): each learner enrolled in each course, in verified."""
        for learner in range(LEARNERS):
            for course in COURSES:
                self.lms_event(learner, course, ("enrollment", "verified", True), replay=None)

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES), event=EVENTS, replay=REPLAY)
    def lms_event(self, learner, course, event, replay):
        """One real openedx-event, at a new time or at one used before (out of order, or a duplicate)."""
        user, time = self.learners[learner], self.event_time(replay)
        pair = self.pairs[user.pk, course]
        match event:
            case ("enrollment", mode, is_active):
                send_enrollment(user, mode=mode, course_key=course, is_active=is_active, time=time)
                applied = pair.report("enrollment", time, enrollment=(mode, is_active))
            case ("passing", is_passing):
                send_passing(user, is_passing=is_passing, course_key=course, time=time)
                applied = pair.report("passing", time, is_passing=is_passing)
            case ("grade", grade):
                send_grade(user, percent=float(grade), course_key=course, time=time)
                applied = pair.report("grade", time, grade=grade)
        if applied:  # an older or repeated report changes nothing
            self.evaluated(user, course)

    # -- staff ----------------------------------------------------------------

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES))
    def revoke(self, learner, course):
        self.revoke_certificate_of(self.learners[learner], course)

    @rule(pick=st.integers(0, 99))
    def revoke_a_certificate_someone_holds(self, pick):
        """Revoke one of the certificates that exist: a random learner and course seldom holds one."""
        held = [(user, course) for user in self.learners for course in COURSES if self.pairs[user.pk, course].status]
        if held:
            self.revoke_certificate_of(*held[pick % len(held)])

    def revoke_certificate_of(self, user, course):
        certificate, pair = self.certificate(user, course), self.pairs[user.pk, course]
        if certificate is None:
            return
        api.revoke_certificate(certificate.uuid, reason="Plagiarism found", actor=self.staff)
        if pair.status != REVOKED:
            pair.move_to(REVOKED)
            self.settle_program(user)

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES))
    def reinstate(self, learner, course):
        user = self.learners[learner]
        certificate, pair = self.certificate(user, course), self.pairs[user.pk, course]
        if certificate is None:
            return
        api.reinstate_certificate(certificate.uuid, reason="Appeal upheld", actor=self.staff)
        if pair.status == REVOKED:
            pair.move_to(pair.target(self.configs[course], reinstating=True) or AWARDED)
            self.settle_program(user)

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES), add=st.booleans())
    def allowlist(self, learner, course, add):
        user, pair = self.learners[learner], self.pairs[self.learners[learner].pk, course]
        if add:
            issuance.add_to_allowlist(user.pk, course, notes="Exception", cause=STAFF_CAUSE)
        else:
            issuance.remove_from_allowlist(user.pk, course, cause=STAFF_CAUSE)
        if pair.allowlisted != add:
            pair.allowlisted = add
            pair.allowlist_changes += 1
        self.evaluated(user, course)

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES))
    def reevaluate(self, learner, course):
        """What the staff page's "check again" does (with events' facts, nothing to re-read)."""
        user = self.learners[learner]
        issuance.reconcile_learner(user.pk, course, cause=STAFF_CAUSE)
        self.evaluated(user, course)

    @rule(learner=st.integers(0, LEARNERS - 1), name=st.sampled_from(NAMES))
    def rename(self, learner, name):
        """The learner changes their name in the LMS (the certificate keeps the old one until regenerated)."""
        user = self.learners[learner]
        user.first_name, user.last_name = name.split(" ", 1)
        user.save(update_fields=["first_name", "last_name"])
        event_facts.record_identity(user.pk, full_name=name)
        self.names[user.pk] = name

    @rule(learner=st.integers(0, LEARNERS - 1), course=st.sampled_from(COURSES))
    def regenerate(self, learner, course):
        user = self.learners[learner]
        certificate, pair = self.certificate(user, course), self.pairs[user.pk, course]
        if certificate is None:
            return
        outcome = issuance.regenerate(certificate.uuid, cause=STAFF_CAUSE)
        grade = pair.grade if (pair.is_passing is not None or pair.grade is not None) else pair.grade_on_certificate
        expected_change = (pair.name_on_certificate, pair.grade_on_certificate) != (self.names[user.pk], grade)
        assert outcome.changed == expected_change
        assert outcome.certificate.status == pair.status  # regenerating never changes the status
        pair.name_on_certificate, pair.grade_on_certificate = self.names[user.pk], grade
        pair.snapshot_changes += expected_change

    @rule(
        course=st.sampled_from(COURSES),
        enabled=MOSTLY_TRUE,
        on_grade_drop=st.sampled_from(GradeDropPolicy.values),
        minimum_grade=st.sampled_from(MINIMUM_GRADES),
    )
    def reconfigure(self, course, enabled, on_grade_drop, minimum_grade):
        """A configuration change applies to each learner at their next evaluation."""
        self.configure(course, enabled=enabled, on_grade_drop=on_grade_drop, minimum_grade=minimum_grade)

    # -- invariants -------------------------------------------------------------

    @invariant()
    def count_the_step(self):
        RUNS["steps"] += 1

    @invariant()
    def one_certificate_per_learner_and_course_with_the_models_status(self):
        rows = CourseCertificate.objects.values_list("user_id", "course_key", "status")
        assert set(Counter((user_id, course) for user_id, course, _ in rows).values()) <= {1}
        stored = {(user_id, course): status for user_id, course, status in rows}
        expected = {key: pair.status for key, pair in self.pairs.items() if pair.status}
        assert stored == expected

    @invariant()
    def the_rules_agree_with_the_model_on_the_next_evaluation(self):
        for (user_id, course), pair in self.pairs.items():
            target = pair.target(self.configs[course])
            decision = issuance.explain(user_id, course)
            assert decision.new_status == (target if target != pair.status else None), (user_id, course)

    @invariant()
    def every_change_is_audited_once_and_announced_once(self):
        audited, allowlist_records = defaultdict(list), Counter()
        for record in AuditRecord.objects.exclude(action=AuditAction.CONFIGURED).order_by("id"):
            if record.certificate_id:
                audited[record.user_id, record.course_key].append((record.old_status, record.new_status))
            elif record.action in (AuditAction.ALLOWLISTED, AuditAction.UNALLOWLISTED):
                allowlist_records[record.user_id, record.course_key] += 1
        announced = defaultdict(list)
        for kind, certificate in self.certificate_events.sent:
            key = (certificate.user.id, certificate.course.course_key)
            announced[key].append((kind, certificate.previous_status, certificate.current_status))
        for key, pair in self.pairs.items():
            changes = audited[key]
            assert [(old, new) for old, new in changes if old != new] == pair.transitions, key
            assert len(changes) - len(pair.transitions) == pair.snapshot_changes, key
            assert allowlist_records[key] == pair.allowlist_changes, key
            expected_events = [
                (event_kind(old, new), PLATFORM_STATUS_WORDS.get(old, ""), PLATFORM_STATUS_WORDS[new])
                for old, new in changes
            ]
            assert announced[key] == expected_events, key

    @invariant()
    def one_program_credential_per_learner_following_both_courses(self):
        rows = ProgramCredential.objects.values_list("user_id", "status")
        assert len(rows) == len({user_id for user_id, _ in rows})
        expected = {user_id: status for user_id, status in self.program_status.items() if status}
        assert dict(rows) == expected
        announced = Counter(program.user.id for _, program in self.program_events.sent)
        assert announced == +self.program_changes


IssuanceMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("CREDENTIALS_PLUGIN_STATE_MACHINE_RANDOM"),
    suppress_health_check=list(HealthCheck),
)


def run_machine(examples):
    RUNS.clear()
    run_state_machine_as_test(
        IssuanceMachine, settings=settings(IssuanceMachine.TestCase.settings, max_examples=examples)
    )
    print(f"state machine: {dict(RUNS)}")
    assert RUNS["steps"] > examples  # the machine really ran
    assert min(RUNS[f"changes to {status}"] for status in (AWARDED, NOT_PASSING, REVOKED)) > 0  # and went places


def test_issuance_invariants_hold_over_random_event_and_staff_sequences():
    run_machine(EXAMPLES)


@pytest.mark.skipif(
    not os.environ.get("CREDENTIALS_PLUGIN_STATE_MACHINE_EXTENDED"),
    reason="an extended run (about 5 minutes): CREDENTIALS_PLUGIN_STATE_MACHINE_EXTENDED=1 runs it",
)
def test_issuance_invariants_hold_over_many_more_sequences():
    run_machine(500)
