"""
Fill the stand-in LMS (demo.settings_lms_twin) as a live site's would be before the takeover: course
runs, learners, and a few thousand certificates of the LMS's own certificates app in several states,
with invalidations and an allowlist.
"""

import uuid
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from opaque_keys.edx.keys import CourseKey

COURSES = (
    ("course-v1:LegacyX+Intro101+2024", "Introduction to Open Learning", "early_no_info"),
    ("course-v1:LegacyX+Stats201+2024", "Statistics for Everyone", "end"),
    ("course-v1:LegacyX+Ethics301+2025", "Ethics of Data", "end_with_date"),
)
#: The LMS's statuses, in the proportions a site has them (most certificates downloadable).
STATUSES = ["downloadable"] * 6 + ["notpassing", "unavailable", "audit_passing", "unverified", "error"]
MODEL_MODULES = (
    "common.djangoapps.student.models",
    "lms.djangoapps.grades.models",
    "lms.djangoapps.verify_student.models",
    "lms.djangoapps.certificates.models",
    "openedx.core.djangoapps.content.course_overviews.models",
)


class Command(BaseCommand):
    help = "Seed the stand-in LMS's certificates app (run with DJANGO_SETTINGS_MODULE=demo.settings_lms_twin)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=1200, help="Learners (each in every course run).")

    def handle(self, *args, learners=1200, **options):
        if not 1 <= learners <= 20_000:
            raise CommandError("--learners must be between 1 and 20000.")
        try:
            import lms  # noqa: F401 (the twin, on sys.path in demo.settings_lms_twin)
        except ImportError as error:
            raise CommandError("Run with DJANGO_SETTINGS_MODULE=demo.settings_lms_twin.") from error
        self._create_tables()
        from lms.djangoapps.certificates.models import CertificateAllowlist, CertificateInvalidation
        from lms.djangoapps.certificates.models import GeneratedCertificate as Row
        from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

        if Row.objects.exists():
            raise CommandError(
                "The stand-in LMS has certificates already: delete demo/lms-twin.sqlite3 to start again."
            )
        user_model = get_user_model()
        with transaction.atomic():
            staff = user_model.objects.create_user("lms_staff", "lms_staff@example.com", "staff", is_staff=True)
            user_model.objects.bulk_create(
                [user_model(username=f"alumnus{n}", email=f"alumnus{n}@example.com") for n in range(learners)]
            )
            users = list(user_model.objects.filter(username__startswith="alumnus").order_by("id"))
            created = datetime(2024, 6, 1, tzinfo=UTC)
            for number, (key, name, behavior) in enumerate(COURSES):
                course_key = CourseKey.from_string(key)
                CourseOverview.objects.create(
                    id=course_key,
                    org=course_key.org,
                    display_name=name,
                    cert_html_view_enabled=True,
                    certificates_display_behavior=behavior,
                    certificate_available_date=created + timedelta(days=30) if behavior == "end_with_date" else None,
                )
                Row.objects.bulk_create(
                    [
                        Row(
                            user=user,
                            course_id=course_key,
                            status=STATUSES[(index + number) % len(STATUSES)],
                            mode="verified" if index % 4 else "honor",
                            grade=f"0.{60 + index % 40}",
                            name=f"Alumnus {index}",
                            verify_uuid=uuid.uuid4().hex,
                            created_date=created + timedelta(minutes=index),
                        )
                        for index, user in enumerate(users)
                    ]
                )
                # created_date is auto_now_add: the LMS's rows were made over the years, not today.
                for index in range(0, len(users), 100):
                    ids = [user.id for user in users[index : index + 100]]
                    Row.objects.filter(course_id=course_key, user_id__in=ids).update(
                        created_date=created + timedelta(days=number * 120 + index // 100)
                    )
                unavailable = Row.objects.filter(course_id=course_key, status="unavailable").order_by("id")
                CertificateInvalidation.objects.bulk_create(
                    [
                        CertificateInvalidation(
                            generated_certificate=row, invalidated_by=staff, notes="Academic honesty"
                        )
                        for row in unavailable[::3]
                    ]
                )
                CertificateInvalidation.objects.filter(generated_certificate__course_id=course_key).update(
                    created=created + timedelta(days=number * 120 + 60)  # auto_now_add: invalidated back then
                )
                CertificateAllowlist.objects.bulk_create(
                    [
                        CertificateAllowlist(user=user, course_id=course_key, allowlist=True, notes="Grader error")
                        for user in users[number::250]
                    ]
                )
        counts = Row.objects.values_list("status").order_by("status")
        from collections import Counter

        self.stdout.write(
            f"The stand-in LMS holds {Row.objects.count()} certificates: {dict(Counter(s for (s,) in counts))}"
        )
        sample = Row.objects.filter(status="downloadable").order_by("id").first()
        self.stdout.write(f"An old link to try: /certificates/{sample.verify_uuid}")

    def _create_tables(self):
        import importlib

        from django.apps import apps

        for name in MODEL_MODULES:
            importlib.import_module(name)
        labels = ("student", "grades", "verify_student", "certificates", "course_overviews")
        models = [model for label in labels for model in apps.all_models[label].values()]
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for model in models:
                if model._meta.db_table not in existing:
                    editor.create_model(model)
