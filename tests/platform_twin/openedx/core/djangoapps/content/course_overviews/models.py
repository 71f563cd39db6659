"""Twin of edx-platform's ``openedx/core/djangoapps/content/course_overviews/models.py`` (what the backend reads)."""

# ruff: noqa: DJ001, DJ008 (the platform's model, as it is)

from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class CourseOverview(models.Model):
    """Mirrors ``CourseOverview``: a cached summary of a course run, keyed by its course key."""

    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    org = models.TextField(max_length=255)
    display_name = models.TextField(null=True)
    display_organization = models.TextField(null=True)
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    self_paced = models.BooleanField(default=False)
    # Certification data, as CourseOverview stores it: the display behaviour is one of xmodule/data.py's
    # CertificatesDisplayBehaviors ("end", "end_with_date", "early_no_info"), or None.
    certificates_display_behavior = models.TextField(null=True)
    certificates_show_before_end = models.BooleanField(default=False)
    cert_html_view_enabled = models.BooleanField(default=False)
    certificate_available_date = models.DateTimeField(default=None, null=True)
    # "Catalog information": CourseOverview._create_or_update fills both from
    # CourseDetails.fetch_about_attribute(course.id, 'short_description' / 'effort').
    short_description = models.TextField(null=True)
    effort = models.TextField(null=True)

    class Meta:
        app_label = "course_overviews"

    @property
    def location(self):
        """Mirrors ``CourseOverview.location``: the course block's usage key."""
        return self.id.make_usage_key("course", "course")

    @property
    def url_name(self):
        """Mirrors ``CourseOverview.url_name`` (``course_metadata_utils.url_name_for_course_location``)."""
        return self.location.block_id

    @property
    def display_name_with_default(self):
        """
        Mirrors ``course_metadata_utils.display_name_with_default``: the display name when it is not None,
        else the URL name with ``_`` as spaces; ``<`` and ``>`` are escaped either way.
        """
        name = self.display_name if self.display_name is not None else self.url_name.replace("_", " ")
        return name.replace("<", "&lt;").replace(">", "&gt;")

    @property
    def display_org_with_default(self):
        """Mirrors ``CourseOverview.display_org_with_default``: the display organization if set, else the org."""
        if self.display_organization:
            return self.display_organization
        return self.org
