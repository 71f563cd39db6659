"""openedx-filters pipeline steps the tests configure through OPEN_EDX_FILTERS_CONFIG."""

from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CertificateCreationRequested


class PreventCreation(PipelineStep):
    def run_filter(self, user, course_key, mode, status, grade, generation_mode):
        raise CertificateCreationRequested.PreventCertificateCreation("Certificates are paused for this org.")


class DowngradeToHonor(PipelineStep):
    """Changes what will be created, as an operator's pipeline may."""

    def run_filter(self, user, course_key, mode, status, grade, generation_mode):
        assert user.username.startswith("learner")  # the real Django user, loaded on demand
        return {"mode": "honor", "status": "downloadable", "grade": 0.99}


class Broken(PipelineStep):
    def run_filter(self, user, course_key, mode, status, grade, generation_mode):
        raise RuntimeError("a broken pipeline step")


def filters_config(step):
    return {
        "org.openedx.learning.certificate.creation.requested.v1": {
            "fail_silently": False,
            "pipeline": [f"tests.filter_steps.{step.__name__}"],
        }
    }
