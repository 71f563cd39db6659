"""How certificates look: organizations' branding and the people who sign them."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField
from PIL import Image

from credentials_plugin.core.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from credentials_plugin.models.course_certificates import TimeStamped

DEFAULT_PRIMARY_COLOUR, DEFAULT_ACCENT_COLOUR = "#1f3b57", "#8a6d3b"
HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour as #RRGGBB."))
IMAGE_FILE = FileExtensionValidator(["png", "jpg", "jpeg", "webp"])
# What an uploaded image must decode as. SVG is refused: it can hold scripts, which run when the
# file is opened from the media URL on the LMS's origin.
RASTER_FORMATS = {"PNG", "JPEG", "WEBP"}


def validate_raster_image(upload):
    """A PNG, JPEG or WebP image that decodes, within the size limits; ValidationError otherwise."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than %(max)s MB.") % {"max": MAX_IMAGE_BYTES // (1024 * 1024)})
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
            if image_format in RASTER_FORMATS and width * height <= MAX_IMAGE_PIXELS:
                image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This is not a PNG, JPEG or WebP image that can be read.")) from error
    finally:
        upload.seek(position)
    if image_format not in RASTER_FORMATS:
        raise ValidationError(_("This is not a PNG, JPEG or WebP image that can be read."))
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(_("The image has more than %(max)s pixels.") % {"max": f"{MAX_IMAGE_PIXELS:,}"})


class Organization(TimeStamped):
    """
    An organization's branding on its certificates, found by the org part of course keys.

    .. no_pii:
    """

    short_name = models.CharField(max_length=255, unique=True, help_text=_("The org of course keys, e.g. DemoX."))
    display_name = models.CharField(max_length=255)
    logo = models.FileField(
        upload_to="credentials_plugin/logos/", blank=True, validators=[IMAGE_FILE, validate_raster_image]
    )
    seal = models.FileField(
        upload_to="credentials_plugin/seals/",
        blank=True,
        validators=[IMAGE_FILE, validate_raster_image],
        help_text=_("A round emblem printed on its certificates (PNG, JPEG or WebP; a transparent PNG looks best)."),
    )
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
    signature_image = models.FileField(
        upload_to="credentials_plugin/signatures/", blank=True, validators=[IMAGE_FILE, validate_raster_image]
    )
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
