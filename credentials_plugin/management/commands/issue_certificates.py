"""Issue the certificates a course's learners have earned (after enabling certificates, say)."""

from credentials_plugin.management.commands import reconcile_certificates


class Command(reconcile_certificates.Command):
    help = (
        "Issue every certificate the course's learners have earned but do not hold yet: the rules "
        "are applied to each enrolled learner (or --user) from the LMS's current grades. The same "
        "walk as reconcile_certificates, named for the operator who just enabled certificates."
    )
