"""How certificates look: organizations' branding and the people who sign them."""

from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField

from credentials_plugin.models.course_certificates import TimeStamped

DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR = "#1f3b57", "#8a6d3b"
HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour as #RRGGBB."))
IMAGE_FILE = FileExtensionValidator(["png", "jpg", "jpeg", "svg", "webp"])


class Organization(TimeStamped):
    """
    An organization's branding on its certificates, found by the org part of course keys.

    .. no_pii:
    """

    short_name = models.CharField(max_length=255, unique=True, help_text=_("The org of course keys, e.g. DemoX."))
    display_name = models.CharField(max_length=255)
    logo = models.FileField(upload_to="credentials_plugin/logos/", blank=True, validators=[IMAGE_FILE])
    primary_colour = models.CharField(max_length=7, default=DEFAULT_PRIMARY_COLOUR, validators=[HEX_COLOUR])
    accent_colour = models.CharField(max_length=7, default=DEFAULT_ACCENT_COLOUR, validators=[HEX_COLOUR])
    linkedin_organization_id = models.CharField(
        max_length=32,
        blank=True,
        validators=[RegexValidator(r"^[0-9]+$", _("The numeric id of the LinkedIn company page."))],
    )

    def __str__(self):
        return self.display_name or self.short_name


class SignatoryFields(models.Model):
    """A person who signs certificates, as every certificate shows them."""

    name = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    organization_name = models.CharField(max_length=255, blank=True)
    signature_image = models.FileField(upload_to="credentials_plugin/signatures/", blank=True, validators=[IMAGE_FILE])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


class Signatory(SignatoryFields):
    """
    A person who signs a course run's certificates.

    .. no_pii: A signatory's name and title are published on purpose, on every certificate.
    """

    course_key = CourseKeyField(max_length=255, db_index=True)

    class Meta:
        verbose_name_plural = "signatories"
        ordering = ["course_key", "order", "id"]

    def __str__(self):
        return f"{self.name} ({self.course_key})"


class ProgramSignatory(SignatoryFields):
    """
    A person who signs a program's credentials.

    .. no_pii: A signatory's name and title are published on purpose, on every credential.
    """

    program = models.ForeignKey("credentials_plugin.Program", on_delete=models.CASCADE, related_name="signatories")

    class Meta:
        verbose_name_plural = "program signatories"
        ordering = ["program", "order", "id"]

    def __str__(self):
        return f"{self.name} ({self.program_id})"
