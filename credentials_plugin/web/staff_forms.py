"""
Forms of the staff pages: they validate what staff send, and their errors are shown on the page.

They never change anything themselves; the views hand their cleaned data to the API and the
domain core.
"""

from decimal import Decimal
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from credentials_plugin.certificates import queries
from credentials_plugin.certificates.rules import HONOR_MODE, NEVER_ELIGIBLE_MODES
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.limits import (
    MAX_CSV_BYTES,
    MAX_LEARNER_IDENTIFIER,
    MAX_NOTES,
    MAX_REASON,
    MAX_USER_ID,
)
from credentials_plugin.core.validation import validate_configuration
from credentials_plugin.models import BulkRun
from credentials_plugin.statuses import (
    COURSE_MESSAGE_KINDS,
    AuditAction,
    Availability,
    CertificateStatus,
    GradeDropPolicy,
)

#: The kinds of change the audit trail records (the ``action`` column), for the history filter.
AUDIT_ACTIONS = dict(AuditAction.choices)
PERCENT = Decimal(100)


def mode_choices(extra=()):
    """Enrollment modes staff can pick: the site's defaults, honor, and any already configured."""
    modes = [*plugin_settings.DEFAULT_ELIGIBLE_MODES, HONOR_MODE, *extra]
    unique = [mode for index, mode in enumerate(modes) if mode and mode not in modes[:index]]
    return [(mode, mode) for mode in unique if mode not in NEVER_ELIGIBLE_MODES]


class CourseConfigurationForm(forms.Form):
    """A course's certificate configuration, as ``api.configure_course`` takes it."""

    #: When the configuration was last saved, as the form was drawn: a mismatch means a stale form.
    modified = forms.CharField(widget=forms.HiddenInput, required=False)
    enabled = forms.BooleanField(label=_("Certificates are enabled for this course"), required=False)
    eligible_modes = forms.MultipleChoiceField(
        label=_("Enrollment modes that earn a certificate"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: the site's defaults. Audit enrollments never earn a certificate."),
    )
    minimum_grade = forms.DecimalField(
        label=_("Minimum grade (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Required on top of passing the course. Empty: passing is enough."),
    )
    id_verification_required = forms.BooleanField(label=_("ID verification required"), required=False)
    availability = forms.ChoiceField(label=_("Certificates become public"), choices=Availability.choices)
    available_date = forms.DateTimeField(
        label=_("Public from (when “On a date”)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    show_grade = forms.BooleanField(label=_("Show the grade on the certificate"), required=False)
    on_grade_drop = forms.ChoiceField(label=_("When a learner stops passing"), choices=GradeDropPolicy.choices)
    title_override = forms.CharField(
        label=_("Title on the certificate"),
        required=False,
        max_length=255,
        help_text=_("Empty: the course's name."),
    )
    language = forms.ChoiceField(label=_("Language of the certificate"), required=False)
    validity_days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        min_value=1,
        help_text=_("Empty: certificates never expire."),
    )
    muted_messages = forms.MultipleChoiceField(
        label=_("Emails this course does not send to learners"),
        required=False,
        choices=[(kind.value, kind.label) for kind in COURSE_MESSAGE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: learners are told of every change to their certificate."),
    )

    def __init__(self, *args, current_modes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eligible_modes"].choices = mode_choices(current_modes)
        languages = [(code, name) for code, name in getattr(settings, "LANGUAGES", ())]
        self.fields["language"].choices = [("", _("The site's language")), *languages]

    @classmethod
    def initial_from(cls, config, modified):
        """Initial values from a CourseConfigurationData (or None) and its ``modified`` time."""
        if config is None:
            return {
                "modified": "",
                "enabled": False,
                "availability": Availability.IMMEDIATELY,
                "on_grade_drop": GradeDropPolicy.MARK_NOT_PASSING,
            }
        return {
            "modified": modified.isoformat() if modified else "",
            "enabled": config.enabled,
            "eligible_modes": list(config.eligible_modes),
            "minimum_grade": None if config.minimum_grade is None else (config.minimum_grade * PERCENT).normalize(),
            "id_verification_required": config.id_verification_required,
            "availability": config.availability,
            "available_date": config.available_date,
            "show_grade": config.show_grade,
            "on_grade_drop": config.on_grade_drop,
            "title_override": config.title_override,
            "language": config.language,
            "validity_days": config.validity_days,
            "muted_messages": list(config.muted_messages),
        }

    def clean(self):
        """The checks across fields (a date for "on a date"...): the model's own, asked of what was sent."""
        data = super().clean()
        if not self.errors:
            for field, message in validate_configuration(SimpleNamespace(**self.options())).items():
                self.add_error(field if field in self.fields else None, message)
        return data

    def options(self):
        """The cleaned data as ``configure_course`` keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("modified", None)
        grade = data.pop("minimum_grade")
        data["minimum_grade"] = None if grade is None else (grade / PERCENT).quantize(Decimal("0.0001"))
        if data["availability"] != Availability.DATE:
            data["available_date"] = None
        return data


class CertificateFilterForm(forms.Form):
    """Search, filters and sort of the certificate list (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=255, help_text=_("Username, email or name"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CertificateStatus.choices]
    )
    mode = forms.ChoiceField(label=_("Mode"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, modes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", _("Any mode")), *[(mode, mode) for mode in modes]]

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or queries.DEFAULT_ORDERING
        return sort if sort.lstrip("-") in queries.CERTIFICATE_ORDERINGS else queries.DEFAULT_ORDERING

    def values(self):
        """The valid search, status, mode and sort (each invalid one dropped, the others kept)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "mode": data.get("mode") or "",
            "ordering": data.get("sort") or queries.DEFAULT_ORDERING,
        }


class LearnerLookupForm(forms.Form):
    learner = forms.CharField(label=_("Username, email or user id"), max_length=MAX_LEARNER_IDENTIFIER)


class ReasonForm(forms.Form):
    """A change that needs a reason (revoke, reinstate)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit trail."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


class RevokeForm(ReasonForm):
    """A revocation: the reason for the audit trail, and what the learner's message may say."""

    learner_reason = forms.CharField(
        label=_("Reason to tell the learner (optional)"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the learner in the message that tells them; never shown on the public page."),
    )


class NoteForm(forms.Form):
    """A change where a note is optional (issue, regenerate)."""

    reason = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=MAX_REASON,
        help_text=_("Recorded in the audit trail."),
    )


class AllowlistAddForm(forms.Form):
    learner = forms.CharField(label=_("Learner"), max_length=MAX_LEARNER_IDENTIFIER, help_text=_("Username or email"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why this learner gets a certificate whatever their grade."),
    )

    def __init__(self, *args, course_key, anyone_by_username=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_key = course_key
        self.anyone_by_username = anyone_by_username
        self.outside_course = False

    def clean_learner(self):
        """
        Only a learner of the course is found (anyone else is as unknown as a name nobody has),
        except that global staff may name any account by its username (``outside_course``).
        """
        identifier = self.cleaned_data["learner"].strip()
        user, self.outside_course = queries.find_learner_to_allowlist(
            identifier, self.course_key, anyone_by_username=self.anyone_by_username
        )
        if user is None:
            raise forms.ValidationError(_("No learner has this username or email."))
        self.user = user
        return identifier


class AllowlistRemoveForm(forms.Form):
    user_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_USER_ID)


class AllowlistUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One learner a line: username or email, then notes. A header line is optional."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {"size": MAX_CSV_BYTES // 2**20})
        return upload


class BulkRunForm(forms.Form):
    kind = forms.ChoiceField(choices=BulkRun.Kind.choices, widget=forms.HiddenInput)
    statuses = forms.MultipleChoiceField(
        label=_("Certificates with these statuses"),
        required=False,
        choices=CertificateStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notify_learners = forms.BooleanField(
        label=_("Email each learner whose certificate this run awards or changes"),
        required=False,
        help_text=_("Off: the run sends no message. On: messages go out in batches after the run."),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == BulkRun.Kind.REGENERATE and not data.get("statuses"):
            self.add_error("statuses", _("Choose at least one status."))
        return data


class HistoryFilterForm(forms.Form):
    learner = forms.CharField(
        label=_("Learner"), required=False, max_length=MAX_LEARNER_IDENTIFIER, help_text=_("Username, email or id")
    )
    actor = forms.CharField(
        label=_("Changed by"), required=False, max_length=MAX_LEARNER_IDENTIFIER, help_text=_("Username, email or id")
    )
    action = forms.ChoiceField(
        label=_("Kind of change"), required=False, choices=[("", _("Any change")), *AUDIT_ACTIONS.items()]
    )

    def __init__(self, *args, course_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.course_key = course_key

    def _user(self, name, find):
        """A learner of the course (or someone who changed something in it): anyone else is unknown."""
        identifier = (self.cleaned_data.get(name) or "").strip()
        if not identifier:
            return None
        user = find(identifier, self.course_key)
        if user is None:
            raise forms.ValidationError(_("No user has this username, email or id."))
        return user

    def clean_learner(self):
        return self._user("learner", queries.find_learner)

    def clean_actor(self):
        return self._user("actor", queries.find_actor)
