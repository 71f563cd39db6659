"""
Pages for a course's staff: overview and configuration, certificates, one learner, allowlist,
bulk runs, history, and the certificate preview.

Thin views: forms validate, ``permissions.can`` decides who may do what (the same table the
REST API reads), and every change goes through the API or the domain core, which audit it.
GET never changes anything; a successful POST redirects (post/redirect/get) with a message.
"""

import csv
from datetime import timedelta
from decimal import Decimal
from functools import wraps
from types import SimpleNamespace
from urllib.parse import urlencode
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from credentials_plugin import api
from credentials_plugin.backends import get_backend
from credentials_plugin.certificates import allowlist as allowlist_csv
from credentials_plugin.certificates import bulk, issuance, queries
from credentials_plugin.certificates.configuration import get_configuration
from credentials_plugin.certificates.looks import PageState, course_look
from credentials_plugin.core.dates import localized_datetime
from credentials_plugin.core.limits import PAGE_SIZE
from credentials_plugin.core.links import certificate_url
from credentials_plugin.core.types import bulk_run_source
from credentials_plugin.models import (
    AllowlistEntry,
    BulkRun,
    CourseCertificate,
    CourseConfiguration,
    LearnerCourseFacts,
    ProgramCredential,
)
from credentials_plugin.notifications import outbox
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import Availability, CauseKind, CertificateStatus, GradeDropPolicy
from credentials_plugin.vc.wallet_issuance import wallet_copies
from credentials_plugin.web import engagement_pages, staff_rows
from credentials_plugin.web.certificate_pages import render_certificate
from credentials_plugin.web.permissions import OPERATIONS, can, may_allowlist_outside_course
from credentials_plugin.web.presentation import certificate_context, page_language, text_direction, theme_template_names
from credentials_plugin.web.rendering import render
from credentials_plugin.web.staff_forms import (
    AUDIT_ACTIONS,
    AllowlistAddForm,
    AllowlistRemoveForm,
    AllowlistUploadForm,
    BulkRunForm,
    CertificateFilterForm,
    CourseConfigurationForm,
    HistoryFilterForm,
    LearnerLookupForm,
    NoteForm,
    ReasonForm,
    RevokeForm,
    mode_choices,
)
from credentials_plugin.web.wallet import wallet_copy_rows

LEARNER_HISTORY_SIZE = 100
RECENT_RUNS = 25
REFRESH_SECONDS = 5
SOURCE = "credentials_plugin.staff_pages"
ACTIVE_RUN_STATES = (BulkRun.State.PENDING, BulkRun.State.RUNNING)
HOLDING_STATUSES = (CertificateStatus.AWARDED, CertificateStatus.UNVERIFIED)


# ---------------------------------------------------------------------------
# Access, rendering and small helpers
# ---------------------------------------------------------------------------


def staff_page(operation="view"):
    """
    Signed-in users who may perform OPERATION on the course (``permissions.can``), on a course that exists.

    Anonymous visitors go to the login page; others get a 403; an unknown course gets a 404 page.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, course_key, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not permitted(request, course_key)[operation]:
                raise PermissionDenied(_("You may not do this in this course."))
            if not _course_exists(request, course_key):
                return _not_found(request, course_key, _("There is no course with the id “%s”.") % course_key)
            return view(request, course_key, *args, **kwargs)

        return wrapper

    return decorate


#: The preview's guard (and the name other modules knew): course staff of an existing course.
course_staff_required = staff_page("view")


def permitted(request, course_key):
    """
    ``{operation: permissions.can(user, operation, course_key)}`` for every operation, once per request.

    ``can`` depends only on the access level an operation needs, so it is asked once per level.
    """
    cache = request.__dict__.setdefault("_credentials_plugin_permissions", {})
    if course_key not in cache:
        by_access, answers = {}, {}
        for operation, needed in OPERATIONS.items():
            if needed not in by_access:
                by_access[needed] = can(request.user, operation, course_key)
            answers[operation] = by_access[needed]
        cache[course_key] = answers
    return cache[course_key]


def _course(request, course_key):
    """The LMS's course info (or None), read once per request."""
    cache = request.__dict__.setdefault("_credentials_plugin_courses", {})
    if course_key not in cache:
        cache[course_key] = get_backend().get_course(course_key)
    return cache[course_key]


def _course_exists(request, course_key):
    """``queries.course_exists``, with the course info this request read already."""
    return queries.course_exists(course_key, _course(request, course_key))


def _require(request, operation, course_key):
    """Refuse (403) a request for an operation the user may not perform."""
    if not permitted(request, course_key)[operation]:
        raise PermissionDenied(_("You may not do this in this course."))


def _cause(request, reason=""):
    return issuance.Cause(kind=CauseKind.STAFF, actor_id=request.user.pk, source=SOURCE, reason=reason)


def _page(request, course_key, template, context, *, active, status=200, refresh=None):
    """Render a staff page with what every staff page shows: course, navigation, messages, permissions."""
    course = _course(request, course_key)
    language = translation.get_language() or "en"

    def url(name, *args, **query):
        path = reverse(f"credentials_plugin:{name}", args=[course_key, *args])
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    context = {
        "language": language,
        "text_direction": text_direction(language),
        "course_key": str(course_key),
        "course_name": course.name if course and course.name else str(course_key),
        "active": active,
        "perms": permitted(request, course_key),
        "username": request.user.get_username(),
        "messages": list(messages.get_messages(request)),
        "csrf_token": get_token(request),
        "url": url,
        "when": _when,
        "iso": _iso,
        "percent": _percent,
        "status_label": _status_label,
        "refresh": refresh,
        **context,
    }
    response = HttpResponse(render([f"credentials_plugin/staff/{template}"], context), status=status)
    response["Cache-Control"] = "no-store"
    return response


def _not_found(request, course_key, message, *, course_known=False):
    language = translation.get_language() or "en"
    context = {
        "language": language,
        "text_direction": text_direction(language),
        "message": message,
        "overview_url": reverse("credentials_plugin:staff_overview", args=[course_key]) if course_known else "",
    }
    return HttpResponse(render(["credentials_plugin/staff/not_found.html"], context), status=404)


def _redirect(name, course_key, *args):
    return HttpResponseRedirect(reverse(f"credentials_plugin:{name}", args=[course_key, *args]))


def _when(value):
    return localized_datetime(value)


def _iso(value):
    return value.isoformat() if value else ""


def _percent(value):
    if value is None:
        return ""
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1')).normalize():f}%"


def _status_label(status):
    try:
        return str(CertificateStatus(status).label)
    except ValueError:
        return status or ""


def _query(params, **changes):
    """The query string of PARAMS (a QueryDict) with CHANGES applied (None removes a key)."""
    merged = {key: params.getlist(key) for key in params}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = [value]
    merged = {key: value for key, value in merged.items() if any(value)}
    return "?" + urlencode(merged, doseq=True) if merged else "?"


def _pagination(request, page):
    """Links of a page of a Paginator, keeping the other query parameters."""
    return {
        "number": page.number,
        "pages": page.paginator.num_pages,
        "count": page.paginator.count,
        "previous": _query(request.GET, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next": _query(request.GET, page=str(page.next_page_number())) if page.has_next() else "",
    }


# ---------------------------------------------------------------------------
# Overview and configuration
# ---------------------------------------------------------------------------


@require_safe
@staff_page("view")
def overview(request, course_key):
    """Counts by status, the course's configuration, links to every page."""
    return _overview_page(request, course_key, form=None)


def _configuration_form(course_key, data=None):
    config = api.get_course_configuration(course_key)
    modified = CourseConfiguration.objects.filter(course_key=course_key).values_list("modified", flat=True).first()
    current_modes = config.eligible_modes if config else ()
    if data is not None:
        return CourseConfigurationForm(data, current_modes=current_modes)
    return CourseConfigurationForm(
        initial=CourseConfigurationForm.initial_from(config, modified), current_modes=current_modes
    )


def _overview_page(request, course_key, *, form, status=200):
    config = api.get_course_configuration(course_key)
    counts = queries.status_counts(course_key)
    context = {
        "counts": [(status_, _status_label(status_), count) for status_, count in counts.items()],
        "total": sum(counts.values()),
        "config": config,
        # The configuration's choices in words, for staff who see it without its form.
        "choice_labels": {**dict(Availability.choices), **dict(GradeDropPolicy.choices)},
        "form": form or _configuration_form(course_key),
        "lookup_form": LearnerLookupForm(),
        "preview_url": reverse("credentials_plugin:certificate_preview", args=[course_key]),
    }
    return _page(request, course_key, "overview.html", context, active="overview", status=status)


@require_POST
@staff_page("configure")
def configure(request, course_key):
    """Save the configuration (instructors): field errors shown, a stale form refused, nothing half-saved."""
    form = _configuration_form(course_key, request.POST)
    if not form.is_valid():
        return _overview_page(request, course_key, form=form, status=400)
    with transaction.atomic():
        current = (
            CourseConfiguration.objects.select_for_update()
            .filter(course_key=course_key)
            .values_list("modified", flat=True)
            .first()
        )
        if _iso(current) != form.cleaned_data["modified"]:
            messages.error(
                request,
                _(
                    "Someone changed this course's configuration after you opened the page; nothing was saved. "
                    "Here is the current configuration: make your change again."
                ),
            )
            return _overview_page(request, course_key, form=None, status=409)
        options = form.options()
        enabled = options.pop("enabled")
        try:
            api.configure_course(course_key, enabled=enabled, actor=request.user, **options)
        except ValueError as error:
            form.add_error(None, str(error))
            return _overview_page(request, course_key, form=form, status=400)
    messages.success(request, _("The certificate configuration is saved."))
    return _redirect("staff_overview", course_key)


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------


def _filter_form(request, course_key):
    config = get_configuration(course_key)
    modes = [mode for mode, _label in mode_choices(config.eligible_modes if config else ())]
    selected = request.GET.get("mode", "")
    if selected and selected not in modes and len(selected) <= 100:
        modes.append(selected)
    return CertificateFilterForm(request.GET, modes=modes)


@require_safe
@staff_page("view")
def certificates(request, course_key):
    """Search by username, email or name; filter by status and mode; sorted and paginated."""
    form = _filter_form(request, course_key)
    values = form.values()
    rows = queries.certificates(course_key, **values)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ordering = values["ordering"]
    columns = []
    for key, label in (
        ("username", _("Username")),
        ("name", _("Name on the certificate")),
        ("status", _("Status")),
        ("mode", _("Mode")),
        ("grade", _("Grade")),
        ("issued", _("Issued")),
    ):
        current = ordering.lstrip("-") == key
        descending = ordering.startswith("-")
        next_sort = f"-{key}" if current and not descending else key
        columns.append(
            {
                "key": key,
                "label": label,
                "href": _query(request.GET, sort=next_sort, page=None),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
                "numeric": key == "grade",
            }
        )
    context = {
        "form": form,
        "rows": staff_rows.certificate_rows(page.object_list),
        "pagination": _pagination(request, page),
        "columns": columns,
        "export_query": _query(request.GET, page=None, sort=ordering),
        "filtered": any(values[key] for key in ("search", "status", "mode")),
    }
    return _page(request, course_key, "certificates.html", context, active="certificates")


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


@require_safe
@staff_page("export")
def certificates_csv(request, course_key):
    """The certificate list (same search and filters) as CSV, streamed in bounded memory."""
    values = _filter_form(request, course_key).values()
    rows = queries.certificates(course_key, **values)
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in queries.export_rows(rows, certificate_url))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = "certificates-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in str(course_key)) + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# One learner
# ---------------------------------------------------------------------------


@require_safe
@staff_page("view")
def learner_lookup(request, course_key):
    """Go to a learner's page from a username, email or id."""
    form = LearnerLookupForm(request.GET)
    identifier = request.GET.get("learner", "").strip()
    user = course_learner(course_key, identifier) if form.is_valid() else None
    if user is None:
        message = (
            _("No learner of this course has the username, email or id “%s”.") % identifier
            if identifier
            else _("Give a username, email or id.")
        )
        return _not_found(request, course_key, message, course_known=True)
    return _redirect("staff_learner", course_key, user.pk)


def _unknown_learner(request, course_key, identifier):
    message = _("No learner of this course has the username, email or id “%s”. Nothing was changed.") % identifier
    return _not_found(request, course_key, message, course_known=True)


def course_learner(course_key, identifier):
    """
    The learner of the course with this username, email or id, else None (``queries.find_learner``'s
    rule), so that a course's staff cannot read other people's details through these pages.
    """
    return queries.find_learner(identifier, course_key)


def _learner_page(request, course_key, user, *, forms=None, status=200):
    certificate = CourseCertificate.objects.filter(user=user, course_key=course_key).first()
    facts = LearnerCourseFacts.objects.filter(user=user, course_key=course_key).first()
    entry = AllowlistEntry.objects.filter(user=user, course_key=course_key).select_related("user", "added_by").first()
    decision = issuance.explain(user.pk, course_key)
    backend = get_backend()
    enrollment = backend.get_enrollment(user.pk, course_key)
    grade = backend.get_current_grade(user.pk, course_key)
    would_hold = decision.new_status in HOLDING_STATUSES
    current = certificate.status if certificate else None
    forms = forms or {}
    perms = permitted(request, course_key)
    actions = {
        "issue": perms["issue"]
        and current not in (CertificateStatus.AWARDED, CertificateStatus.REVOKED)
        and (would_hold or entry is not None),
        "revoke": perms["revoke"] and current is not None and current != CertificateStatus.REVOKED,
        "reinstate": perms["reinstate"] and current == CertificateStatus.REVOKED,
        "regenerate": perms["regenerate"] and current is not None,
    }
    history = staff_rows.history_rows(queries.history(course_key, user=user)[:LEARNER_HISTORY_SIZE])
    context = {
        "learner": staff_rows.learner(user),
        "identifier": user.pk,
        "certificate": staff_rows.certificate_facts(certificate),
        "grade_reported": facts.grade_as_of if facts else None,
        "enrollment": enrollment,
        "grade": grade,
        "id_verified": backend.is_id_verified(user.pk),
        "allowlist_entry": staff_rows.allowlist_row(entry) if entry else None,
        "rules_today": decision.reason,
        "actions": actions,
        "forms": {
            "issue": forms.get("issue") or NoteForm(prefix="issue"),
            "revoke": forms.get("revoke") or RevokeForm(prefix="revoke"),
            "reinstate": forms.get("reinstate") or ReasonForm(prefix="reinstate"),
            "regenerate": forms.get("regenerate") or NoteForm(prefix="regenerate"),
        },
        "history": history,
        "actions_labels": AUDIT_ACTIONS,
        "program_credentials": _learner_program_credentials(course_key, user),
        "wallet_copies": wallet_copy_rows(wallet_copies(certificate=certificate)) if certificate else [],
    }
    return _page(request, course_key, "learner.html", context, active="certificates", status=status)


def _learner_program_credentials(course_key, user):
    """The learner's credentials of the programs this course belongs to (shown when they hold a certificate here)."""
    program_ids = [shape.program_id for shape in awarding.programs_containing(course_key)]
    return staff_rows.program_credential_rows(_course_program_credentials(course_key, program_ids).filter(user=user))


@require_safe
@staff_page("view")
def learner(request, course_key, identifier):
    """One learner: their certificate, their facts, what staff may do, and their history."""
    user = course_learner(course_key, identifier)
    if user is None:
        return _unknown_learner(request, course_key, identifier)
    return _learner_page(request, course_key, user)


LEARNER_ACTIONS = {"issue": NoteForm, "revoke": RevokeForm, "reinstate": ReasonForm, "regenerate": NoteForm}


@require_POST
@staff_page("view")
def learner_action(request, course_key, identifier, action):
    """Issue, revoke, reinstate or regenerate one learner's certificate, through the domain core."""
    if action not in LEARNER_ACTIONS:
        raise Http404("No such action.")
    _require(request, action, course_key)
    user = course_learner(course_key, identifier)
    if user is None:
        return _unknown_learner(request, course_key, identifier)
    form = LEARNER_ACTIONS[action](request.POST, prefix=action)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the form below."))
        return _learner_page(request, course_key, user, forms={action: form}, status=400)
    reason = form.cleaned_data["reason"]
    try:
        if action == "issue":
            _issue(request, course_key, user, reason)
        else:
            learner_reason = form.cleaned_data.get("learner_reason", "")
            _act_on_certificate(request, course_key, user, action, reason, learner_reason=learner_reason)
    except issuance.IssuanceError as error:
        messages.error(request, _("Nothing was changed: %s") % error)
    return _redirect("staff_learner", course_key, user.pk)


def _issue(request, course_key, user, reason):
    name = user.get_full_name() or user.username
    certificate = CourseCertificate.objects.filter(user=user, course_key=course_key).first()
    if certificate is not None and certificate.status in (CertificateStatus.AWARDED, CertificateStatus.REVOKED):
        messages.warning(
            request,
            _("Nothing was changed: %(name)s's certificate is %(status)s.")
            % {"name": name, "status": _status_label(certificate.status).lower()},
        )
        return
    outcome = issuance.reconcile_learner(user.pk, course_key, cause=_cause(request, reason))
    if outcome.changed and outcome.certificate is not None:
        messages.success(
            request,
            _("%(name)s's certificate is now %(status)s.")
            % {"name": name, "status": _status_label(outcome.certificate.status).lower()},
        )
    else:
        messages.warning(request, _("Nothing was changed: %s") % outcome.reason)


def _act_on_certificate(request, course_key, user, action, reason, *, learner_reason=""):
    name = user.get_full_name() or user.username
    certificate = CourseCertificate.objects.filter(user=user, course_key=course_key).first()
    if certificate is None:
        messages.error(request, _("Nothing was changed: %s has no certificate in this course.") % name)
        return
    cause = _cause(request, reason)
    if action == "revoke":
        outcome = issuance.revoke(certificate.uuid, reason=reason, cause=cause, learner_reason=learner_reason)
        done = _("%s's certificate is revoked.")
    elif action == "reinstate":
        outcome = issuance.reinstate(certificate.uuid, reason=reason, cause=cause)
        done = _("%s's certificate is reinstated.")
    else:
        outcome = issuance.regenerate(certificate.uuid, cause=cause)
        done = _("%s's certificate is regenerated: name, grade and course refreshed.")
    if outcome.changed:
        messages.success(request, done % name)
    elif action == "regenerate":
        messages.info(request, _("%s's certificate is already up to date; nothing was changed.") % name)
    else:
        messages.warning(request, _("Nothing was changed: %s") % outcome.reason)


# ---------------------------------------------------------------------------
# Allowlist
# ---------------------------------------------------------------------------


def _allowlist_page(request, course_key, *, add_form=None, upload_form=None, row_errors=(), status=200):
    page = Paginator(queries.allowlist(course_key), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rows": [staff_rows.allowlist_row(entry) for entry in page.object_list],
        "pagination": _pagination(request, page),
        "add_form": add_form or AllowlistAddForm(course_key=course_key),
        "upload_form": upload_form or AllowlistUploadForm(),
        "row_errors": row_errors,
    }
    return _page(request, course_key, "allowlist.html", context, active="allowlist", status=status)


@require_safe
@staff_page("view")
def allowlist(request, course_key):
    """Learners who get a certificate whatever their grade; add, remove, upload a CSV."""
    return _allowlist_page(request, course_key)


@require_POST
@staff_page("allowlist")
def allowlist_add(request, course_key):
    form = AllowlistAddForm(
        request.POST, course_key=course_key, anyone_by_username=may_allowlist_outside_course(request.user)
    )
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the form below."))
        return _allowlist_page(request, course_key, add_form=form, status=400)
    user = form.user
    name = user.get_full_name() or user.username
    if AllowlistEntry.objects.filter(user=user, course_key=course_key).exists():
        messages.info(request, _("%s is already on the allowlist; nothing was changed.") % name)
        return _redirect("staff_allowlist", course_key)
    notes = form.cleaned_data["notes"].strip()
    reason = notes or _("Added to the allowlist.")
    outcome = issuance.add_to_allowlist(
        user.pk, course_key, notes=notes, cause=_cause(request, reason), outside_course=form.outside_course
    )
    message = _("%s is on the allowlist.") % name
    if outcome.changed and outcome.certificate is not None:
        message += " " + _("Their certificate is now %s.") % _status_label(outcome.certificate.status).lower()
    messages.success(request, message)
    if form.outside_course:
        messages.warning(request, allowlist_csv.outside_course_warning(name))
    return _redirect("staff_allowlist", course_key)


@require_POST
@staff_page("allowlist")
def allowlist_remove(request, course_key):
    form = AllowlistRemoveForm(request.POST)
    entry = None
    if form.is_valid():
        entry = (
            AllowlistEntry.objects.filter(user_id=form.cleaned_data["user_id"], course_key=course_key)
            .select_related("user")
            .first()
        )
    if entry is None:
        messages.error(request, _("Nothing was changed: this learner is not on the allowlist."))
        return _redirect("staff_allowlist", course_key)
    name = entry.user.get_full_name() or entry.user.username
    outcome = issuance.remove_from_allowlist(
        entry.user_id, course_key, cause=_cause(request, _("Removed from the allowlist."))
    )
    message = _("%s is no longer on the allowlist.") % name
    if outcome.changed and outcome.certificate is not None:
        message += " " + _("Their certificate is now %s.") % _status_label(outcome.certificate.status).lower()
    messages.success(request, message)
    return _redirect("staff_allowlist", course_key)


@require_POST
@staff_page("allowlist")
def allowlist_upload(request, course_key):
    """A CSV of learners: every bad row reported and nothing applied, or every row applied."""
    form = AllowlistUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: correct the form below."))
        return _allowlist_page(request, course_key, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    rows, errors = allowlist_csv.parse_csv(upload.read(), course_key)
    if errors:
        messages.error(
            request,
            _("Nothing was changed: the file has %(count)s bad rows, listed below. Correct them and upload it again.")
            % {"count": len(errors)},
        )
        return _allowlist_page(request, course_key, upload_form=form, row_errors=errors, status=400)
    if not rows:
        messages.error(request, _("Nothing was changed: the file lists no learners."))
        return _allowlist_page(request, course_key, upload_form=form, status=400)
    reason = _("Allowlist upload (%s)") % upload.name
    try:
        allowlist_csv.apply_rows(rows, course_key, cause=_cause(request, reason))
    except issuance.IssuanceError as error:
        messages.error(request, _("Nothing was changed: %s") % error)
        return _allowlist_page(request, course_key, upload_form=form, status=400)
    messages.success(request, _("%(count)s learners from the file are on the allowlist.") % {"count": len(rows)})
    return _redirect("staff_allowlist", course_key)


# ---------------------------------------------------------------------------
# Bulk runs
# ---------------------------------------------------------------------------


def _bulk_page(request, course_key, *, form=None, status=200):
    recent = list(queries.bulk_runs(course_key)[:RECENT_RUNS])
    runs = staff_rows.bulk_run_rows(recent)
    active = any(run.state in ACTIVE_RUN_STATES for run in runs)
    sources = [bulk_run_source(run.pk) for run in recent]
    emails = outbox.progress(sources)
    context = {
        "runs": runs,
        # The learner emails each run asked for, by state (aligned with runs; None: the run sent none).
        "run_emails": [emails.get(source) for source in sources],
        "active_run": active,
        "regenerate_form": form or BulkRunForm(initial={"kind": BulkRun.Kind.REGENERATE}),
        "issue_kind": BulkRun.Kind.ISSUE_ELIGIBLE,
        "regenerate_kind": BulkRun.Kind.REGENERATE,
        "import_kind": BulkRun.Kind.IMPORT_LMS if get_backend().has_lms_certificates else None,
        "kind_label": lambda kind: str(BulkRun.Kind(kind).label) if kind in BulkRun.Kind.values else kind,
        "state_label": lambda state: str(BulkRun.State(state).label) if state in BulkRun.State.values else state,
        "statuses_label": lambda statuses: ", ".join(_status_label(status_) for status_ in statuses),
    }
    refresh = REFRESH_SECONDS if active else None
    return _page(request, course_key, "bulk.html", context, active="bulk", status=status, refresh=refresh)


@require_safe
@staff_page("view")
def bulk_runs(request, course_key):
    """Start a bulk run, and follow the course's runs (the page refreshes itself while one is active)."""
    return _bulk_page(request, course_key)


@require_POST
@staff_page("bulk")
def bulk_start(request, course_key):
    form = BulkRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was started: correct the form below."))
        return _bulk_page(request, course_key, form=form, status=400)
    kind = form.cleaned_data["kind"]
    try:
        run = bulk.start(
            course_key,
            kind,
            actor=request.user,
            statuses=form.cleaned_data["statuses"],
            notify_learners=form.cleaned_data["notify_learners"],
        )
    except bulk.BulkRunRefused as error:
        messages.error(request, _("Nothing was started: %s") % error)
        return _redirect("staff_bulk", course_key)
    run.refresh_from_db()
    label = BulkRun.Kind(kind).label
    if run.state in ACTIVE_RUN_STATES:
        messages.success(request, _("“%s” has started; its progress shows below.") % label)
    else:
        messages.success(
            request,
            _("“%(label)s” is done: %(processed)s processed, %(changed)s changed, %(failed)s failed.")
            % {"label": label, "processed": run.processed, "changed": run.changed, "failed": run.failed},
        )
    return _redirect("staff_bulk", course_key)


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


@require_safe
@staff_page("view")
def history(request, course_key):
    """The course's audit trail, filterable by learner, actor and kind of change."""
    form = HistoryFilterForm(request.GET, course_key=course_key)
    if form.is_valid():
        data = form.cleaned_data
        rows = queries.history(course_key, user=data["learner"], actor=data["actor"], action=data["action"])
    else:
        rows = queries.history(course_key).none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "rows": staff_rows.history_rows(page.object_list),
        "pagination": _pagination(request, page),
        "actions_labels": AUDIT_ACTIONS,
        "filtered": any(request.GET.get(name) for name in ("learner", "actor", "action")),
    }
    return _page(request, course_key, "history.html", context, active="history")


ENGAGEMENT_PERIODS = (30, 90, 365)


@require_safe
@staff_page("view")
def engagement(request, course_key):
    """How often the course's certificates were viewed, shared, downloaded and verified: totals and a chart."""
    try:
        days = int(request.GET.get("days", ENGAGEMENT_PERIODS[0]))
    except ValueError:
        days = ENGAGEMENT_PERIODS[0]
    days = days if days in ENGAGEMENT_PERIODS else ENGAGEMENT_PERIODS[0]
    context = {**engagement_pages.staff_engagement_context(course_key, days=days), "periods": ENGAGEMENT_PERIODS}
    return _page(request, course_key, "engagement.html", context, active="engagement")


# ---------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------


def _course_program_credentials(course_key, program_ids):
    """Credentials of these programs held by learners with a certificate in this course (staff see no one else)."""
    in_course = CourseCertificate.objects.filter(course_key=course_key, user=OuterRef("user"))
    return (
        ProgramCredential.objects.filter(program_id__in=program_ids)
        .filter(Exists(in_course))
        .select_related("user", "program")
        .order_by("-issued_at", "-id")
    )


@require_safe
@staff_page("view_program_credentials")
def programs(request, course_key):
    """The programs this course belongs to, and their credential holders, with revoke and reinstate."""
    shapes = awarding.programs_containing(course_key)
    page = Paginator(_course_program_credentials(course_key, [s.program_id for s in shapes]), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    perms = permitted(request, course_key)
    rows = [
        {
            "credential": credential,
            "action": "reinstate" if credential.revoked_by_staff else "revoke",
            "form": ReasonForm(prefix=f"{'reinstate' if credential.revoked_by_staff else 'revoke'}-{credential.uuid}"),
        }
        for credential in staff_rows.program_credential_rows(page.object_list)
    ]
    context = {
        "programs": shapes,
        "rows": rows,
        "pagination": _pagination(request, page),
        "may_act": {"revoke": perms["revoke_program_credential"], "reinstate": perms["reinstate_program_credential"]},
    }
    return _page(request, course_key, "programs.html", context, active="programs")


@require_POST
@staff_page("view_program_credentials")
def program_credential_action(request, course_key, credential_uuid, action):
    """Revoke or reinstate one program credential (a reason required), through the programs domain core."""
    if action not in ("revoke", "reinstate"):
        raise Http404("No such action.")
    _require(request, f"{action}_program_credential", course_key)
    shapes = awarding.programs_containing(course_key)
    credential = (
        _course_program_credentials(course_key, [s.program_id for s in shapes]).filter(uuid=credential_uuid).first()
    )
    if credential is None:
        return _not_found(
            request, course_key, _("No program credential of this course has that id."), course_known=True
        )
    form = ReasonForm(request.POST, prefix=f"{action}-{credential.uuid}")
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: give a reason."))
        return _redirect("staff_programs", course_key)
    reason = form.cleaned_data["reason"]
    act = awarding.revoke if action == "revoke" else awarding.reinstate
    try:
        outcome = act(credential.uuid, reason=reason, cause=_cause(request, reason))
    except issuance.IssuanceError as error:
        messages.error(request, _("Nothing was changed: %s") % error)
        return _redirect("staff_programs", course_key)
    name = credential.learner_name or credential.user.username
    if not outcome.changed:
        messages.warning(request, _("Nothing was changed: %s") % outcome.reason)
    elif action == "revoke":
        messages.success(
            request,
            _("%(name)s's credential for %(program)s is revoked.")
            % {"name": name, "program": credential.program.title},
        )
    else:
        messages.success(
            request,
            _("%(name)s's credential for %(program)s: %(outcome)s")
            % {"name": name, "program": credential.program.title, "outcome": outcome.reason or _("reinstated.")},
        )
    return _redirect("staff_programs", course_key)


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------


@require_safe
@course_staff_required
def certificate_preview(request, course_key):
    """The course's certificate as a learner would get it, with sample data (``?mode=``)."""
    look = course_look(course_key)
    course = get_backend().get_course(course_key)
    now = timezone.now()
    validity = look.config.validity_days if look.config else None
    sample = SimpleNamespace(
        uuid=uuid4(),
        user_id=None,
        course_key=course_key,
        course_name=course.name if course and course.name else str(course_key),
        learner_name=request.user.get_full_name() or "Sample Learner",
        mode=request.GET.get("mode", "verified"),
        percent_grade=Decimal("0.92"),
        issued_at=now,
        date_override=None,
        expires_at=now + timedelta(days=validity) if validity else None,
    )
    language = page_language(look)
    with translation.override(language):
        context = certificate_context(sample, look, language=language, state=PageState("preview"), is_owner=False)
        context.update(_inert_sharing(context))
        return render_certificate(context, theme_template_names(course_key, sample.mode, language))


def _inert_sharing(context):
    """
    A preview's share, copy and verify links lead nowhere: the sample certificate does not exist,
    and staff must not post it by mistake (site.css greys them out on ``state-preview``).
    """
    return {
        "share": dict.fromkeys(context["share"], PREVIEW_ANCHOR),
        "page_url": "",
        "verify_url": PREVIEW_ANCHOR,
    }


#: Where a preview's share links point: the top of the page itself.
PREVIEW_ANCHOR = "#main"
