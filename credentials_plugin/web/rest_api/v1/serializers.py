"""
What the API reads and writes. Input serializers check everything a request may carry (query
parameters included) so that a bad value is a 400 with a message per field, never a 500.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from credentials_plugin.certificates.queries import CERTIFICATE_ORDERINGS, DEFAULT_ORDERING
from credentials_plugin.core.limits import (
    MAX_ELIGIBLE_MODES,
    MAX_LEARNER_IDENTIFIER,
    MAX_NOTES,
    MAX_REASON,
    MAX_VALIDITY_DAYS,
)
from credentials_plugin.core.links import certificate_url
from credentials_plugin.core.validation import NEVER_ELIGIBLE_MODES
from credentials_plugin.models import BulkRun
from credentials_plugin.statuses import (
    COURSE_MESSAGE_KINDS,
    AuditAction,
    Availability,
    CauseKind,
    CertificateStatus,
    GradeDropPolicy,
)

# Patterns are written for both readers: JSON Schema's (ECMA 262, where $ ends the text) and the
# server's Python (where it would also match before a final newline, so the server uses \Z).
MODE_PATTERN = r"^[A-Za-z0-9_-]+$"
# A BCP 47 language tag, as the LMS writes them ("en", "pt-br", "zh_HANS"). (Blank: see allow_blank.)
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$"
# Text: anything but the NUL character (which no database column takes). Blank is allowed by allow_blank.
TEXT_PATTERN = r"^[^\x00]+$"
# White space as Python (str.isspace) and ECMA 262 (\s) count it, together: the two differ.
WHITE_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# Text with something other than white space in it: a reason must say something.
SOMETHING_PATTERN = rf"^[^\x00]*[^\x00{WHITE_SPACE}][^\x00]*$"
TEXT = RegexValidator(TEXT_PATTERN, "Null characters are not allowed.")
# Dates a certificate may become available on (the start of an RFC 3339 date-time).
YEARS_PATTERN = r"^(19|2[0-9])[0-9]{2}-"
ORDERINGS = [*CERTIFICATE_ORDERINGS, *(f"-{key}" for key in CERTIFICATE_ORDERINGS)]


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------


class JsonTyped:
    """
    A field of a JSON body takes only its own JSON type: DRF alone would take 1 for true and
    5 for "5", which the schema does not promise and clients should not rely on.
    """

    json_types = ()
    default_error_messages = {"wrong_type": "Expected {expected}, not {actual}."}
    type_names = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}

    def to_internal_value(self, data):
        if not isinstance(data, self.json_types) or (isinstance(data, bool) and bool not in self.json_types):
            expected = " or ".join(self.type_names[kind] for kind in self.json_types)
            self.fail("wrong_type", expected=expected, actual=_json_type_name(data))
        return super().to_internal_value(data)


def _json_type_name(value):
    for kind, name in ((bool, "true or false"), (str, "a string"), (int, "a number"), (float, "a number")):
        if isinstance(value, kind):
            return name
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


class InputCharField(serializers.CharField):
    """Text input, whose length is checked as sent (the schema's maxLength), before white space is trimmed."""

    def run_validation(self, data=empty):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)


class JsonCharField(JsonTyped, InputCharField):
    json_types = (str,)


class JsonBooleanField(JsonTyped, serializers.BooleanField):
    json_types = (bool,)


class JsonIntegerField(JsonTyped, serializers.IntegerField):
    json_types = (int, float)  # JSON Schema counts 5.0 as an integer; 5.5 is refused by DRF

    def to_internal_value(self, data):
        if isinstance(data, float) and not data.is_integer():
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "pattern": MODE_PATTERN,
        "not": {"enum": sorted(NEVER_ELIGIBLE_MODES)},
        "description": "An enrollment mode slug (for example verified, professional); never audit.",
    }
)
class ModeField(JsonCharField):
    """An enrollment mode that can earn a certificate."""

    def __init__(self, **kwargs):
        validators = [RegexValidator(_python(MODE_PATTERN))]
        super().__init__(max_length=100, trim_whitespace=False, validators=validators, **kwargs)

    def to_internal_value(self, data):
        mode = super().to_internal_value(data)
        if mode in NEVER_ELIGIBLE_MODES:
            raise serializers.ValidationError("Audit enrollments never earn a certificate.")
        return mode


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "nullable": True,
        "description": "A grade from 0 to 1; more than four decimal places are rounded.",
    }
)
class GradeField(JsonTyped, serializers.DecimalField):
    """A grade from 0 to 1, stored with four decimal places (finer input is rounded, not refused)."""

    json_types = (int, float)

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=4, coerce_to_string=False, **kwargs)

    def validate_empty_values(self, data):
        return serializers.Field.validate_empty_values(self, data)  # DecimalField would take "" for null

    def validate_precision(self, value):
        if value < 0:
            self.fail("min_value", min_value=0)
        if value > 1:
            self.fail("max_value", max_value=1)
        return super().validate_precision(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _python(pattern):
    """PATTERN for Python's re.search, with $ ending the text only (as in JSON Schema)."""
    return pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern


class SaysSomethingField(JsonCharField):
    """
    Text with something other than white space (SOMETHING_PATTERN), trimmed of the white space
    both readers of the schema count (DRF's own trimming knows only Python's).
    """

    edges = re.compile(rf"^[{WHITE_SPACE}]+|[{WHITE_SPACE}]+\Z")

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        text = self.edges.sub("", super().to_internal_value(data))
        if not text:
            self.fail("blank")
        return text


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": MAX_REASON, "pattern": SOMETHING_PATTERN, "description": "Why."}
)
class ReasonField(SaysSomethingField):
    """A reason: text that says something (blank or white space alone is refused)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_REASON, **kwargs)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 255, "pattern": SOMETHING_PATTERN})
class TitleField(SaysSomethingField):
    """A title (of a program, say): text that says something, at most 255 characters."""

    def __init__(self, **kwargs):
        super().__init__(max_length=255, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_LEARNER_IDENTIFIER,
        "pattern": SOMETHING_PATTERN,
        "description": "The learner's username, email or numeric id.",
    }
)
class LearnerField(SaysSomethingField):
    """Who: a username, email or numeric id."""

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_LEARNER_IDENTIFIER, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 16,
        "pattern": LANGUAGE_PATTERN,
        "description": "Language of the certificate page (e.g. en, fr, pt-br); empty: the site's.",
    }
)
class LanguageField(JsonCharField):
    """A language tag, or empty."""

    def __init__(self, **kwargs):
        validators = [RegexValidator(_python(LANGUAGE_PATTERN))]
        super().__init__(max_length=16, allow_blank=True, trim_whitespace=False, validators=validators, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "pattern": YEARS_PATTERN,
        "nullable": True,
        "description": "When certificates become public (availability 'date'): a date-time from 1900 to 2999.",
    }
)
class AvailableDateField(serializers.DateTimeField):
    """A date-time in years 1900 to 2999 (an RFC 3339 year 0001 or 9999 with an offset is out of Python's range)."""

    default_error_messages = {"years": "A date-time from the year 1900 to 2999."}

    def to_internal_value(self, value):
        if isinstance(value, str) and not re.match(YEARS_PATTERN, value):
            self.fail("years")
        return super().to_internal_value(value)


def reason_field(*, required=True, help_text=""):
    if required:
        return ReasonField(help_text=help_text)
    return JsonCharField(
        required=False, allow_blank=True, max_length=MAX_REASON, validators=[TEXT], help_text=help_text
    )


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------


class CertificateSerializer(serializers.Serializer):
    """A learner's course certificate."""

    uuid = serializers.UUIDField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    course_key = serializers.CharField(read_only=True)
    course_name = serializers.CharField(read_only=True)
    learner_name = serializers.CharField(read_only=True, help_text="The name as certified.")
    status = serializers.ChoiceField(choices=CertificateStatus.choices, read_only=True)
    mode = serializers.CharField(read_only=True)
    grade = GradeField(source="percent_grade", read_only=True, help_text="Null when no grade was reported.")
    letter_grade = serializers.CharField(read_only=True)
    issued_at = serializers.DateTimeField(read_only=True)
    date_override = serializers.DateField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revocation_reason = serializers.CharField(read_only=True)
    public_url = serializers.SerializerMethodField(help_text="The public page of the certificate.")

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_public_url(self, certificate):
        return certificate_url(certificate.uuid)


class CertificateFilterSerializer(serializers.Serializer):
    """Query parameters of the certificate list and its CSV export (an empty one is as if left out)."""

    search = InputCharField(
        required=False,
        allow_blank=True,
        max_length=255,
        validators=[TEXT],
        help_text="Part of a username, email or certified name.",
    )
    status = serializers.ChoiceField(choices=CertificateStatus.choices, required=False, allow_blank=True)
    mode = InputCharField(required=False, allow_blank=True, max_length=100, validators=[TEXT])
    ordering = serializers.ChoiceField(
        choices=ORDERINGS,
        required=False,
        allow_blank=True,
        default=DEFAULT_ORDERING,
        help_text="Sort key; a leading '-' sorts descending (empty: the default).",
    )


class ReasonSerializer(serializers.Serializer):
    reason = reason_field(help_text="Why; recorded in the audit trail.")


class RevokeSerializer(ReasonSerializer):
    learner_reason = reason_field(
        required=False, help_text="What the learner's message says of it (optional); never shown publicly."
    )


class OptionalReasonSerializer(serializers.Serializer):
    reason = reason_field(required=False, help_text="Why (optional); recorded in the audit trail.")


class OutcomeSerializer(serializers.Serializer):
    """What a change did: whether anything changed, why, and the certificate afterwards."""

    changed = serializers.BooleanField()
    detail = serializers.CharField()
    certificate = CertificateSerializer(allow_null=True)


# ---------------------------------------------------------------------------
# Course configuration
# ---------------------------------------------------------------------------


class ConfigurationSerializer(serializers.Serializer):
    """A course run's certificate configuration (certificates are off until it exists and is enabled)."""

    course_key = serializers.CharField(read_only=True)
    configured = serializers.BooleanField(read_only=True, help_text="False until the course is first configured.")
    enabled = JsonBooleanField()
    eligible_modes = serializers.ListField(
        child=ModeField(),
        required=False,
        max_length=MAX_ELIGIBLE_MODES,
        help_text="Enrollment modes that earn a certificate; empty means the site's default modes.",
    )
    minimum_grade = GradeField(required=False, allow_null=True)
    id_verification_required = JsonBooleanField(required=False)
    availability = serializers.ChoiceField(choices=Availability.choices, required=False)
    available_date = AvailableDateField(required=False, allow_null=True)
    show_grade = JsonBooleanField(required=False)
    on_grade_drop = serializers.ChoiceField(choices=GradeDropPolicy.choices, required=False)
    title_override = JsonCharField(required=False, allow_blank=True, max_length=255, validators=[TEXT])
    language = LanguageField(required=False)
    validity_days = JsonIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_VALIDITY_DAYS,
        help_text="Days after issue when a certificate expires; null: never.",
    )
    muted_messages = serializers.ListField(
        child=serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in COURSE_MESSAGE_KINDS]),
        required=False,
        max_length=len(COURSE_MESSAGE_KINDS),
        help_text="The learner messages this course does not send; empty: learners are told of every change.",
    )
    reason = JsonCharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=MAX_REASON,
        validators=[TEXT],
        help_text="Why (optional); recorded in the audit trail, which otherwise lists the fields changed.",
    )

    def validate(self, attrs):
        """
        A change (PATCH) that clears the date says which availability replaces it. The checks of the
        configuration itself (availability "date" needs its date...) are ``validate_configuration``'s,
        which the view asks of the configuration as it would be saved.
        """
        clears_the_date = self.partial and "available_date" in attrs and attrs["available_date"] is None
        if clears_the_date and "availability" not in attrs:
            raise serializers.ValidationError({"availability": ["Say which availability replaces the date you clear."]})
        return attrs


# ---------------------------------------------------------------------------
# Allowlist
# ---------------------------------------------------------------------------


class AllowlistEntrySerializer(serializers.Serializer):
    user_id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    notes = serializers.CharField(read_only=True)
    added_by = serializers.CharField(source="added_by.username", read_only=True, allow_null=True, default=None)
    created = serializers.DateTimeField(read_only=True)


class AllowlistAddSerializer(serializers.Serializer):
    user = LearnerField()
    notes = JsonCharField(required=False, allow_blank=True, max_length=MAX_NOTES, default="", validators=[TEXT])


class AllowlistAddResultSerializer(OutcomeSerializer):
    entry = AllowlistEntrySerializer()
    created = serializers.BooleanField(help_text="False when the learner was already on the allowlist.")
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Empty, or why the addition needs a second look (global staff allowlisting someone outside "
        "the course, by username).",
    )


class AllowlistCsvSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A UTF-8 CSV file: one learner per line, username or email, then notes. "
        "An optional header line (username, email, ...) is skipped."
    )


class AllowlistCsvResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Rows applied (learners already allowlisted count too).")
    certificates_changed = serializers.IntegerField()


class CsvRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    identifier = serializers.CharField()
    message = serializers.CharField()


class AllowlistCsvErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False, help_text="An error about the whole request.")
    file = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Every problem, one message each."
    )
    rows = CsvRowErrorSerializer(many=True, required=False, help_text="The bad rows; nothing was applied.")


# ---------------------------------------------------------------------------
# Bulk runs
# ---------------------------------------------------------------------------


class BulkRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    course_key = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=BulkRun.Kind.choices, read_only=True)
    statuses = serializers.ListField(child=serializers.ChoiceField(choices=CertificateStatus.choices), read_only=True)
    state = serializers.ChoiceField(choices=BulkRun.State.choices, read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True, default=None)
    created = serializers.DateTimeField(read_only=True)
    started = serializers.DateTimeField(read_only=True, allow_null=True)
    finished = serializers.DateTimeField(read_only=True, allow_null=True)
    processed = serializers.IntegerField(read_only=True)
    changed = serializers.IntegerField(read_only=True)
    failed = serializers.IntegerField(read_only=True)
    errors = serializers.ListField(child=serializers.CharField(), read_only=True)


NOTIFY_LEARNERS_HELP = "Email each learner whose certificate the run awards or changes (in batches, after the run)."


class BulkRunStartSerializer(serializers.Serializer):
    """What the view validates; the schema documents the two kinds as separate shapes."""

    kind = serializers.ChoiceField(choices=BulkRun.Kind.choices)
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=CertificateStatus.choices), required=False, default=list
    )
    notify_learners = JsonBooleanField(required=False, default=False, help_text=NOTIFY_LEARNERS_HELP)

    def validate(self, attrs):
        if attrs["kind"] == BulkRun.Kind.REGENERATE and not attrs["statuses"]:
            raise serializers.ValidationError({"statuses": ["Choose the certificate statuses to regenerate."]})
        return attrs


def _kind(kind):
    return kind.value, kind.label


class BulkRunShapeSerializer(serializers.Serializer):
    """What every kind of run takes (the schema's shapes; the view validates with BulkRunStartSerializer)."""

    notify_learners = JsonBooleanField(required=False, default=False, help_text=NOTIFY_LEARNERS_HELP)


class IssueEligibleRunSerializer(BulkRunShapeSerializer):
    kind = serializers.ChoiceField(
        choices=[BulkRun.Kind.ISSUE_ELIGIBLE.value], help_text="Issue every eligible learner."
    )


class ImportLmsRunSerializer(BulkRunShapeSerializer):
    kind = serializers.ChoiceField(
        choices=[BulkRun.Kind.IMPORT_LMS.value],
        help_text="Import the course's certificates, allowlist and invalidations from the LMS's certificates app "
        "(docs/takeover.md); refused where there is no LMS.",
    )


class RegenerateRunSerializer(BulkRunShapeSerializer):
    kind = serializers.ChoiceField(choices=[_kind(BulkRun.Kind.REGENERATE)])
    statuses = serializers.ListField(child=serializers.ChoiceField(choices=CertificateStatus.choices), min_length=1)


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


class HistoryFilterSerializer(serializers.Serializer):
    user = InputCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_LEARNER_IDENTIFIER,
        validators=[TEXT],
        help_text="The learner: username, email or id.",
    )
    actor = InputCharField(
        required=False,
        allow_blank=True,
        max_length=MAX_LEARNER_IDENTIFIER,
        validators=[TEXT],
        help_text="Who acted: username, email or id.",
    )
    action = serializers.ChoiceField(
        choices=AuditAction.choices, required=False, allow_blank=True, help_text="Kind of change."
    )


class AuditRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    created = serializers.DateTimeField(read_only=True)
    user_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The learner; null for a change to the course (configuration)."
    )
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True, default=None)
    certificate = serializers.UUIDField(source="certificate.uuid", read_only=True, allow_null=True, default=None)
    action = serializers.ChoiceField(choices=AuditAction.choices, read_only=True)
    old_status = serializers.CharField(read_only=True)
    new_status = serializers.CharField(read_only=True)
    cause = serializers.ChoiceField(choices=CauseKind.choices, read_only=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True, default=None)
    source = serializers.CharField(read_only=True)
    event_id = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


# ---------------------------------------------------------------------------
# Errors (documentation only)
# ---------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """
    Every error body: ``detail`` for an error about the whole request, or one key per field
    (``non_field_errors`` for several fields together) with a list of messages.
    """

    detail = serializers.CharField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
