"""Re-evaluate a course's certificates (or one learner's) from the LMS's current grades."""

from credentials_plugin.certificates import issuance
from credentials_plugin.management.commands._course_command import CourseCommand


class Command(CourseCommand):
    help = (
        "Heal what missed events left behind: re-read enrollments and grades from the LMS and "
        "apply the course's rules, for every learner of a course run or for one learner."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--user", help="Only this learner (username, email or numeric id).")
        parser.add_argument("--batch-size", type=int, default=None, help="Learners read per page.")

    def handle(self, *args, course_id, user=None, dry_run=False, batch_size=None, **options):
        course_key = self.course_key(course_id)
        cause = self.cause()
        if user:
            user_id = self.learner_id(user)
            results = [(user_id, issuance.reconcile_learner(user_id, course_key, cause=cause, dry_run=dry_run))]
        else:
            results = issuance.reconcile_course(course_key, cause=cause, dry_run=dry_run, batch_size=batch_size)
        self.summarize(results, dry_run=dry_run)
