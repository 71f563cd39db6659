"""
Fill the demo host with an organization's two courses, their staff and learners.

Everything the plugin learns about the "LMS" arrives the way it does in a real LMS:
as openedx-events (catalog info, course roles, enrollments, grades, passing status).
Staff decisions (allowlist, revocation) go through the plugin's own API and domain core.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from opaque_keys.edx.keys import CourseKey
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from openedx_events.learning.data import (
    CourseAccessRoleData,
    CourseData,
    CourseEnrollmentData,
    CoursePassingStatusData,
    PersistentCourseGradeData,
    UserData,
    UserPersonalData,
)
from openedx_events.learning.signals import (
    COURSE_ACCESS_ROLE_ADDED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_PASSING_STATUS_UPDATED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
)

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.models import CourseCertificate, Organization, Program, ProgramSignatory, Signatory
from credentials_plugin.records import learner_record as records
from credentials_plugin.statuses import CauseKind, CertificateStatus
from demo import branding_images

DEFAULT_PASSWORD = "demo-staff-2026"  # noqa: S105  (a demo bound to 127.0.0.1)
LEARNER_PASSWORD = "demo-learner-2026"  # noqa: S105  (the two learners who sign in to see their record)
PASSING_CUTOFF = 0.60  # the LMS's grading policy of both courses: 60% passes


@dataclass(frozen=True)
class DemoCourse:
    key: CourseKey
    name: str
    pacing: str
    start: datetime
    end: datetime

    @property
    def data(self):
        return CourseData(course_key=self.key, display_name=self.name, start=self.start, end=self.end)


PYTHON = DemoCourse(
    CourseKey.from_string("course-v1:DemoX+Python101+2026"),
    "Python for Everyone",
    "instructor",
    datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 59, tzinfo=UTC),
)
DATA = DemoCourse(
    CourseKey.from_string("course-v1:DemoX+Data201+2026"),
    "Data Literacy",
    "self",
    datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
    datetime(2026, 8, 31, 23, 59, tzinfo=UTC),
)
CLOUD = DemoCourse(
    CourseKey.from_string("course-v1:DemoX+Cloud301+2026"),
    "Cloud Foundations",
    "instructor",
    datetime(2026, 9, 1, 9, 0, tzinfo=UTC),
    datetime(2026, 12, 18, 23, 59, tzinfo=UTC),
)
COURSES = (PYTHON, DATA, CLOUD)

# (first name, last name, course, mode, final grade, what the demo shows with them)
LEARNERS = [
    ("Amara", "Okafor", PYTHON, "verified", 0.92, "passes"),
    ("Lucas", "Moreau", PYTHON, "verified", 0.88, "passes"),
    ("Priya", "Raman", PYTHON, "verified", 0.81, "passes"),
    ("Mateo", "García", PYTHON, "verified", 0.77, "passes, then staff revoke"),
    ("Hannah", "Schmidt", PYTHON, "verified", 0.95, "passes"),
    ("Olumide", "Adeyemi", PYTHON, "verified", 0.67, "passes"),
    ("Chloé", "Dubois", PYTHON, "verified", 0.72, "passes, then a regrade fails them"),
    ("Kenji", "Watanabe", PYTHON, "verified", 0.54, "fails"),
    ("Emma", "Johansson", PYTHON, "verified", 0.31, "fails"),
    ("Sofia", "Rossi", PYTHON, "verified", 0.48, "fails, then staff allowlist"),
    ("Noah", "Williams", PYTHON, "audit", 0.90, "passes in audit"),
    ("Fatima", "El Idrissi", DATA, "verified", 0.94, "passes"),
    ("Diego", "Hernández", DATA, "verified", 0.83, "passes"),
    ("Aisha", "Khan", DATA, "verified", 0.71, "passes"),
    ("Isabela", "Costa", DATA, "verified", 0.89, "passes"),
    ("Grace", "Mensah", DATA, "verified", 0.78, "passes"),
    ("Liam", "O'Connor", DATA, "verified", 0.66, "passes, below the certificate minimum"),
    ("Mei", "Chen", DATA, "verified", 0.45, "fails"),
    ("Tomás", "Novak", DATA, "verified", 0.52, "fails"),
    ("Jonas", "Becker", DATA, "audit", 0.58, "fails in audit"),
    ("Yusuf", "Demir", CLOUD, "verified", 0.84, "passes; certificates go public on a date"),
    # Two learners take both courses.
    ("Amara", "Okafor", DATA, "verified", 0.86, "passes"),
    ("Priya", "Raman", DATA, "verified", 0.74, "passes"),
]
PROGRAM_TITLE = "Professional Certificate in Data Foundations"
PROGRAM_GRADUATE = ("Amara", "Okafor")  # passes both courses of the program
PROGRAM_HALF_WAY = ("Lucas", "Moreau")  # passes Python only
REVOKED = ("Mateo", "García")
REGRADED = ("Chloé", "Dubois")
ALLOWLISTED = ("Sofia", "Rossi")


class EventClock:
    """Increasing event times ending about now, so the plugin sees the reports in order."""

    def __init__(self, start):
        self.now = start

    def tick(self):
        self.now += timedelta(seconds=1)
        return self.now


def username_for(first, last):
    ascii_last = last.translate(str.maketrans("áéíóúñç'", "aeiounc ")).replace(" ", "")
    return f"{first}.{ascii_last}".lower()


def user_data(user):
    return UserData(
        id=user.id,
        is_active=user.is_active,
        pii=UserPersonalData(username=user.username, email=user.email, name=user.get_full_name()),
    )


def letter_grade(course, percent):
    if percent < PASSING_CUTOFF:
        return ""
    if course is PYTHON:
        return "Pass"
    return "A" if percent >= 0.9 else "B" if percent >= 0.8 else "C"


class Command(BaseCommand):
    help = "Seed the demo host with two courses, staff and learners, through real openedx-events."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the 'staff' user.")

    def handle(self, *args, password, **options):
        User = get_user_model()
        if User.objects.filter(username="staff").exists() or any(api.get_course_configuration(c.key) for c in COURSES):
            raise CommandError(
                "The demo database is already seeded. Start again from an empty one: "
                "`make demo` (or `bash demo/run.sh`) removes demo/db.sqlite3 and seeds it afresh."
            )
        clock = EventClock(datetime.now(UTC) - timedelta(hours=1))

        self.say("Courses: configuring certificates and sending COURSE_CATALOG_INFO_CHANGED")
        api.configure_course(PYTHON.key, enabled=True)
        api.configure_course(DATA.key, enabled=True, show_grade=True, minimum_grade=Decimal("0.70"))
        api.configure_course(
            CLOUD.key, enabled=True, availability="date", available_date=datetime.now(UTC) + timedelta(days=21)
        )
        self.say("Branding: DemoX's colours, and a logo, a seal and two signatures drawn with Pillow")
        primary, accent = "#23395b", "#a0782c"
        organization = Organization(
            short_name="DemoX",
            display_name="DemoX University",
            primary_colour=primary,
            accent_colour=accent,
            linkedin_organization_id="1234567",
        )
        organization.logo = branding_images.logo("DemoX University", "DX", primary, accent)
        organization.seal = branding_images.seal("DemoX University", primary, accent)
        organization.full_clean()  # the logo and seal pass the checks an operator's upload does
        organization.save()
        signatures = {name: branding_images.signature(name).read() for name in ("Dr. Helena Marsh", "Prof. Samuel Ito")}
        for course in COURSES:
            for order, (name, title, organization_name) in enumerate(
                (("Dr. Helena Marsh", "Dean of Online Learning", ""), ("Prof. Samuel Ito", "Course Lead", "DemoX")),
                start=1,
            ):
                signatory = Signatory(
                    course_key=course.key, name=name, title=title, organization_name=organization_name, order=order
                )
                signatory.signature_image.save(
                    f"signature-{name.split()[-1].lower()}.png", ContentFile(signatures[name]), save=False
                )
                signatory.save()
        for course in COURSES:
            COURSE_CATALOG_INFO_CHANGED.send_event(
                time=clock.tick(),
                catalog_info=CourseCatalogData(
                    course_key=course.key,
                    name=course.name,
                    schedule_data=CourseScheduleData(start=course.start, end=course.end, pacing=course.pacing),
                ),
            )

        self.say(f"A program: '{PROGRAM_TITLE}' needs {PYTHON.name} and {DATA.name}")
        program = api.define_program(
            title=PROGRAM_TITLE,
            program_type="Professional Certificate",
            organizations=["DemoX"],
            language="en",
            description="Programming and data literacy for working analysts.",
            requirements=[[PYTHON.key], [DATA.key]],
        )
        ProgramSignatory.objects.create(
            program=Program.objects.get(uuid=program.uuid), name="Dr. Helena Marsh", title="Dean of Online Learning"
        )

        self.say("Staff: creating 'staff' and sending COURSE_ACCESS_ROLE_ADDED (instructor)")
        staff = User.objects.create_user(
            username="staff",
            email="staff@demox.example.com",
            password=password,
            first_name="Dana",
            last_name="Whitfield",
            is_staff=True,
            is_superuser=True,
        )
        for course in COURSES:
            COURSE_ACCESS_ROLE_ADDED.send_event(
                time=clock.tick(),
                course_access_role_data=CourseAccessRoleData(
                    user=user_data(staff), org_key=course.key.org, course_key=course.key, role="instructor"
                ),
            )

        self.say("Learners: creating them and sending COURSE_ENROLLMENT_CREATED")
        users = {}
        for first, last, course, mode, _grade, _story in LEARNERS:
            user = users.get((first, last))
            if user is None:
                username = username_for(first, last)
                signs_in = (first, last) in (PROGRAM_GRADUATE, PROGRAM_HALF_WAY)
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@learners.example.com",
                    password=LEARNER_PASSWORD if signs_in else None,  # the others never sign in
                    first_name=first,
                    last_name=last,
                )
                users[(first, last)] = user
            COURSE_ENROLLMENT_CREATED.send_event(
                time=clock.tick(),
                enrollment=CourseEnrollmentData(
                    user=user_data(user),
                    course=course.data,
                    mode=mode,
                    is_active=True,
                    creation_date=course.start - timedelta(days=10),
                ),
            )

        self.say("Grades: sending PERSISTENT_GRADE_SUMMARY_CHANGED and COURSE_PASSING_STATUS_UPDATED")
        for first, last, course, _mode, grade, _story in LEARNERS:
            self.send_grade(clock, users[(first, last)], course, grade)

        self.say("A regrade: Chloé Dubois's final project is marked down, she no longer passes")
        self.send_grade(clock, users[REGRADED], PYTHON, 0.55)

        self.say("Staff decisions: allowlisting Sofia Rossi, revoking Mateo García's certificate")
        issuance.add_to_allowlist(
            users[ALLOWLISTED].id,
            PYTHON.key,
            notes="Completed the course under an approved accommodation plan.",
            cause=issuance.Cause(kind=CauseKind.COMMAND, source="seed_demo", actor_id=staff.id),
        )
        to_revoke = api.get_course_certificate(users[REVOKED].id, PYTHON.key)
        if to_revoke is None:
            raise CommandError("Mateo García should have a certificate by now; the plugin did not issue it.")
        api.revoke_certificate(to_revoke.uuid, reason="Academic integrity review", actor=staff)

        self.say(f"{PROGRAM_GRADUATE[0]} {PROGRAM_GRADUATE[1]} shares her learner record")
        share = records.create_share_link(
            users[PROGRAM_GRADUATE].id,
            cause=issuance.Cause(kind=CauseKind.COMMAND, source="seed_demo", actor_id=users[PROGRAM_GRADUATE].id),
        )

        self.print_summary(staff, password, users, share)

    def send_grade(self, clock, user, course, grade):
        """What the LMS sends when a learner's course grade is recomputed."""
        time = clock.tick()
        letter = letter_grade(course, grade)
        PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(
            time=time,
            grade=PersistentCourseGradeData(
                user_id=user.id,
                course=course.data,
                course_edited_timestamp=course.start,
                course_version="v1",
                grading_policy_hash="demo-policy",
                percent_grade=grade,
                letter_grade=letter,
                passed_timestamp=time if letter else None,
            ),
        )
        COURSE_PASSING_STATUS_UPDATED.send_event(
            time=clock.tick(),
            course_passing_status=CoursePassingStatusData(
                is_passing=grade >= PASSING_CUTOFF, course=course.data, user=user_data(user)
            ),
        )

    def print_summary(self, staff, password, users, share):
        certificates = CourseCertificate.objects.filter(course_key__in=[c.key for c in COURSES])
        counts = Counter(certificates.values_list("status", flat=True))
        enrollments = len(LEARNERS)
        management_path = reverse("credentials_plugin:staff_overview", args=[PYTHON.key])

        def url_of(person, course):
            certificate = api.get_course_certificate(users[person].id, course.key)
            return certificate.public_url if certificate else "(none: the plugin did not issue it)"

        lines = [
            "",
            "=" * 78,
            f"Demo seeded: DemoX, {len(COURSES)} courses, {len(users)} learners, {enrollments} enrollments",
            f"Start here: {settings.LMS_ROOT_URL}/  (what to look at, with the sign-ins)",
            f"The emails learners were sent: {getattr(settings, 'EMAIL_FILE_PATH', '(the email backend)')}",
            "=" * 78,
            "Staff login: lands on the certificate management pages of " + PYTHON.name,
            f"  URL:      {settings.LMS_ROOT_URL}/admin/login/?next={quote(management_path, safe='/:')}",
            f"  username: {staff.username}",
            f"  password: {password}",
            f"  manage:   {settings.LMS_ROOT_URL}{management_path}",
            f"  admin:    {settings.LMS_ROOT_URL}/admin/  (Django admin: every model, the audit trail read-only)",
            "",
            "Certificates by status (all courses)",
        ]
        for status in CertificateStatus:
            lines.append(f"  {status.value:<12} {counts.get(status.value, 0)}")
        lines.append(f"  {'(none)':<12} {enrollments - sum(counts.values())}  enrollments without a certificate")
        lines += [
            "",
            "Open these",
            f"  awarded, {PYTHON.name} (Amara Okafor):",
            f"    {url_of(('Amara', 'Okafor'), PYTHON)}",
            f"  revoked, {PYTHON.name} (Mateo García, 'Academic integrity review'), answers 410:",
            f"    {url_of(REVOKED, PYTHON)}",
            f"  awarded, {DATA.name} (Fatima El Idrissi, 94%):",
            f"    {url_of(('Fatima', 'El Idrissi'), DATA)}",
            f"  not passing after a regrade, {PYTHON.name} (Chloé Dubois), answers 410:",
            f"    {url_of(REGRADED, PYTHON)}",
            f"  awarded through the allowlist, {PYTHON.name} (Sofia Rossi, 48%):",
            f"    {url_of(ALLOWLISTED, PYTHON)}",
            f"  not yet available, {CLOUD.name} (Yusuf Demir): 404 to the public, a preview for staff:",
            f"    {url_of(('Yusuf', 'Demir'), CLOUD)}",
            f"  staff preview of {DATA.name}'s certificate with sample data (log in as staff first):",
            f"    {settings.LMS_ROOT_URL}/credentials/courses/{DATA.key}/preview/",
            "",
            "Program and learner records",
            *self.program_lines(users, share),
            "",
            "Verifiable credentials (Open Badges 3.0, signed with the demo's key in demo/signing-keys.json)",
            f"  Amara Okafor's {PYTHON.name} credential, to download or paste into the verify page:",
            f"    {url_of(('Amara', 'Okafor'), PYTHON)}credential.json",
            f"  verify page:  {settings.LMS_ROOT_URL}/credentials/verify/",
            f"  issuer DID:   {settings.LMS_ROOT_URL}/.well-known/did.json",
            "",
            "No certificate, by the rules: Noah Williams passed in audit mode; Liam O'Connor passed",
            f"with 66%, below {DATA.name}'s certificate minimum of 70%; the others failed.",
            "=" * 78,
        ]
        self.stdout.write("\n".join(lines))

    def program_lines(self, users, share):
        graduate, half_way = users[PROGRAM_GRADUATE], users[PROGRAM_HALF_WAY]
        credentials = api.get_program_credentials_for_user(graduate.id)
        record_url = f"{settings.LMS_ROOT_URL}/credentials/records/"
        login_url = f"{settings.LMS_ROOT_URL}/login/?next=/credentials/records/"
        lines = [f"  '{PROGRAM_TITLE}' ({PYTHON.name} + {DATA.name}):"]
        lines += [f"    awarded to Amara Okafor: {c.public_url}" for c in credentials] or [
            "    (not awarded to Amara Okafor: the plugin did not award it)"
        ]
        lines += [
            f"  learner records: sign in at {login_url}",
            f"    {graduate.username} / {LEARNER_PASSWORD}  completed the program",
            f"    {half_way.username} / {LEARNER_PASSWORD}  half-way: {PYTHON.name} done, {DATA.name} to go",
            f"    then {record_url}",
            "  Amara Okafor's shared record (no sign-in; shows no email or username):",
            f"    {record_url}{share.uuid}/",
        ]
        return lines

    def say(self, message):
        self.stdout.write(f"- {message}")
