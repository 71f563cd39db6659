"""
The API's views: thin. They check the request, ask ``credentials_plugin.web.permissions`` who may act,
read through ``credentials_plugin.certificates.queries`` and change state only through the domain core
(``issuance``, ``allowlist``, ``bulk``, ``api.configure_course``), each change audited with the
signed-in user as actor.
"""

import csv
from types import SimpleNamespace

from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, generics, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from credentials_plugin import api
from credentials_plugin.certificates import allowlist, bulk, issuance, queries
from credentials_plugin.core.limits import MAX_CSV_BYTES, MAX_PAGE_SIZE, PAGE_SIZE, json_depth_problem, too_deep_message
from credentials_plugin.core.links import certificate_url
from credentials_plugin.core.validation import validate_configuration
from credentials_plugin.models import AllowlistEntry, CourseCertificate, CourseConfiguration
from credentials_plugin.statuses import CauseKind
from credentials_plugin.web.permissions import may_allowlist_outside_course
from credentials_plugin.web.rest_api.v1 import serializers as s
from credentials_plugin.web.rest_api.v1.api_permissions import (
    CertificateOperation,
    CourseOperation,
    authentication_classes,
)

SOURCE = "rest_api.v1"
SCHEMA_PATH = "/api/credentials_plugin/v1/schema/"


# ---------------------------------------------------------------------------
# What every view shares
# ---------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """
    ``page`` (from 1) and ``page_size`` (1 to 200, default 50). A value that is not such a number is
    a 400 naming the parameter (DRF alone would silently use the default); a page past the last, a 404.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name, maximum in ((self.page_query_param, None), (self.page_size_query_param, self.max_page_size)):
            value = request.query_params.get(name)
            if value is not None and not _is_whole_number(value, maximum):
                errors[name] = [f"A whole number from 1{f' to {maximum}' if maximum else ''}."]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(maximum=self.max_page_size, default=self.page_size)
        return parameters


def _is_whole_number(value, maximum):
    return value.isascii() and value.isdigit() and 1 <= int(value) <= (maximum or int(value))


class ApiSchema(AutoSchema):
    """
    drf-spectacular's inspector, documented by each view's ``openapi`` attribute (per method:
    ``summary``, ``parameters``, ``request``, ``responses``) rather than by decorators, which would
    need the LMS's DEFAULT_SCHEMA_CLASS to be drf-spectacular's. Adds the errors every operation
    can answer, each with its JSON body.
    """

    ERRORS = {
        "400": "Invalid input: a list of messages per field (or `detail`).",
        "401": "Not signed in (JWT clients).",
        "403": "Not signed in (session), CSRF token missing, or not allowed for this course.",
        "404": "No such course run key, certificate, learner, bulk run or page.",
    }

    def _doc(self, key, default=None):
        return getattr(self.view, "openapi", {}).get(self.method.lower(), {}).get(key, default)

    def get_summary(self):
        return self._doc("summary") or super().get_summary()

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *self._doc("parameters", [])]

    def get_request_serializer(self):
        return self._doc("request", None)

    def get_response_serializers(self):
        return self._doc("responses", None)

    BODY_ERRORS = {"415": "The body is not of the documented media type (or not readable as it)."}

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {**self.ERRORS, **(self.BODY_ERRORS if self.method in ("POST", "PUT", "PATCH") else {})}
        for code, description in errors.items():
            if code not in responses:
                error = OpenApiResponse(response=s.ErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses


class JwtScheme(OpenApiAuthenticationExtension):
    """The LMS's JWT authentication in the schema, when edx-drf-extensions is installed."""

    target_class = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"
    optional = True
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`JWT <token>`, a JWT the LMS issued (its OAuth2 token endpoint, token_type=jwt).",
        }


def api_exception_handler(error, context):
    """DRF's handler, plus the domain core's refusals as 4xx answers with a message."""
    if isinstance(error, issuance.CertificateNotFound | issuance.UnknownLearner):
        error = exceptions.NotFound(str(error))
    elif isinstance(error, bulk.BulkRunRefused):
        error = Conflict(str(error))
    elif isinstance(error, issuance.IssuanceError):
        error = BadRequest(str(error))
    return exception_handler(error, context)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request was refused; nothing changed."
    default_code = "refused"


class Metadata(SimpleMetadata):
    """OPTIONS: the operation's name, description and media types; its fields are in the OpenAPI schema."""

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata.pop("actions", None)
        return {**metadata, "schema": SCHEMA_PATH}

    def determine_actions(self, request, view):  # DRF's needs a serializer_class per view
        return {}


class BoundedJSONParser(JSONParser):
    """JSON bodies nested at most MAX_JSON_DEPTH deep: deeper ones are a 400, never a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(too_deep_message()) from error
        problem = json_depth_problem(data)
        if problem:
            raise exceptions.ParseError(problem)
        return data


class ApiView(generics.GenericAPIView):
    """Settings of the plugin's own, so the LMS's REST_FRAMEWORK defaults do not change this API."""

    authentication_classes = authentication_classes()
    renderer_classes = [JSONRenderer]
    parser_classes = [BoundedJSONParser]
    pagination_class = Pagination
    metadata_class = Metadata
    schema = ApiSchema()
    #: HTTP method -> operation of credentials_plugin.web.permissions.OPERATIONS
    operations = {}

    def get_exception_handler(self):
        return api_exception_handler

    def cause(self, reason=""):
        return issuance.Cause(kind=CauseKind.API, actor_id=self.request.user.pk, source=SOURCE, reason=reason)

    def validated(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated(self, rows, serializer_class):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer_class(page, many=True).data)


class CourseView(ApiView):
    """A view on one course run (``course_key`` in the URL); permissions from the operation table."""

    permission_classes = [CourseOperation]

    @property
    def course_key(self):
        return self.kwargs["course_key"]


def outcome_body(outcome):
    return {"changed": outcome.changed, "detail": outcome.reason, "certificate": certificate_body(outcome.certificate)}


def certificate_body(certificate_data):
    """A certificate after a change, read back as the list shows it (the data object lacks the username)."""
    if certificate_data is None:
        return None
    certificate = CourseCertificate.objects.select_related("user").get(uuid=certificate_data.uuid)
    return s.CertificateSerializer(certificate).data


# ---------------------------------------------------------------------------
# Certificates of a course
# ---------------------------------------------------------------------------


class CourseCertificatesView(CourseView):
    """The course's certificates: search by username, email or name; filter by status and mode; sort."""

    openapi = {
        "get": {
            "summary": "List a course's certificates",
            "parameters": [s.CertificateFilterSerializer],
            "responses": s.CertificateSerializer(many=True),
        }
    }

    operations = {"GET": "view"}

    def get(self, request, course_key):
        filters = self.validated(s.CertificateFilterSerializer, request.query_params)
        return self.paginated(queries.certificates(course_key, **filters), s.CertificateSerializer)


class JSONErrorsNegotiation(DefaultContentNegotiation):
    """The export answers text/csv (its own streamed response) or, for an error, JSON: whatever the client accepts."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _Echo:
    def write(self, value):
        return value


class CourseCertificatesExportView(CourseView):
    """The certificate list (same filters) as CSV, streamed in bounded memory."""

    openapi = {
        "get": {
            "summary": "Export a course's certificates as CSV",
            "parameters": [s.CertificateFilterSerializer],
            "responses": {
                (200, "text/csv"): OpenApiResponse(
                    response=OpenApiTypes.STR,
                    description="One row per certificate, a header first: " + ", ".join(queries.EXPORT_COLUMNS) + ".",
                )
            },
        }
    }

    operations = {"GET": "export"}
    content_negotiation_class = JSONErrorsNegotiation
    pagination_class = None

    def get(self, request, course_key):
        filters = self.validated(s.CertificateFilterSerializer, request.query_params)
        rows = queries.certificates(course_key, **filters)
        writer = csv.writer(_Echo())  # export_rows makes cells spreadsheet-safe (no formula runs)
        lines = (writer.writerow(row) for row in queries.export_rows(rows, certificate_url))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = "certificates-" + "".join(c if c.isalnum() else "_" for c in str(course_key)) + ".csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# ---------------------------------------------------------------------------
# One certificate
# ---------------------------------------------------------------------------


class CertificateView(ApiView):
    """A view on one certificate, found by its UUID."""

    permission_classes = [CertificateOperation]

    def get_certificate(self):
        certificate = CourseCertificate.objects.select_related("user").filter(uuid=self.kwargs["uuid"]).first()
        if certificate is None:
            raise exceptions.NotFound(f"No certificate {self.kwargs['uuid']}.")
        self.check_object_permissions(self.request, certificate)
        return certificate


class CertificateDetailView(CertificateView):
    """One certificate: its course's staff, or the learner who holds it."""

    openapi = {"get": {"summary": "Fetch one certificate", "responses": s.CertificateSerializer}}
    operations = {"GET": "view"}

    def get(self, request, uuid):
        return Response(s.CertificateSerializer(self.get_certificate()).data)


class RevokeView(CertificateView):
    """Revoke (a reason is required). It stays revoked, whatever the grades, until reinstated."""

    openapi = {
        "post": {"summary": "Revoke a certificate", "request": s.RevokeSerializer, "responses": s.OutcomeSerializer}
    }

    operations = {"POST": "revoke"}

    def post(self, request, uuid):
        certificate = self.get_certificate()
        data = self.validated(s.RevokeSerializer, request.data)
        reason, learner_reason = data["reason"], data.get("learner_reason", "")
        outcome = issuance.revoke(
            certificate.uuid, reason=reason, cause=self.cause(reason), learner_reason=learner_reason
        )
        return Response(outcome_body(outcome))


class ReinstateView(CertificateView):
    """Lift a revocation (a reason is required); the certificate takes the status the rules give it today."""

    openapi = {
        "post": {"summary": "Reinstate a certificate", "request": s.ReasonSerializer, "responses": s.OutcomeSerializer}
    }

    operations = {"POST": "reinstate"}

    def post(self, request, uuid):
        certificate = self.get_certificate()
        reason = self.validated(s.ReasonSerializer, request.data)["reason"]
        outcome = issuance.reinstate(certificate.uuid, reason=reason, cause=self.cause(reason))
        return Response(outcome_body(outcome))


class RegenerateView(CertificateView):
    """Refresh the certified name, grade and course name from the LMS; the status stays as it is."""

    openapi = {
        "post": {
            "summary": "Regenerate a certificate",
            "request": s.OptionalReasonSerializer,
            "responses": s.OutcomeSerializer,
        }
    }

    operations = {"POST": "regenerate"}

    def post(self, request, uuid):
        certificate = self.get_certificate()
        reason = self.validated(s.OptionalReasonSerializer, request.data).get("reason", "")
        outcome = issuance.regenerate(certificate.uuid, cause=self.cause(reason.strip()))
        return Response(outcome_body(outcome))


# ---------------------------------------------------------------------------
# One learner of a course
# ---------------------------------------------------------------------------


def learner_or_404(identifier, course_key):
    """A learner of the course (``queries.find_learner``'s rule): anyone else is as unknown as nobody."""
    user = queries.find_learner(identifier, course_key)
    if user is None:
        raise exceptions.NotFound(f"No learner has the username, email or id '{identifier}'.")
    return user


class IssueView(CourseView):
    """Apply the course's rules to one learner now: issues the certificate when they are eligible (or allowlisted)."""

    openapi = {
        "post": {
            "summary": "Issue a learner's certificate",
            "request": s.OptionalReasonSerializer,
            "responses": {
                200: s.OutcomeSerializer,
                409: OpenApiResponse(
                    s.ErrorSerializer, description="Not eligible: `detail` says why; nothing changed."
                ),
            },
            "parameters": [
                OpenApiParameter(
                    "learner", OpenApiTypes.STR, OpenApiParameter.PATH, description="Username, email or id."
                )
            ],
        }
    }

    operations = {"POST": "issue"}

    def post(self, request, course_key, learner):
        user = learner_or_404(learner, course_key)
        reason = self.validated(s.OptionalReasonSerializer, request.data).get("reason", "").strip()
        outcome = issuance.reconcile_learner(user.pk, course_key, cause=self.cause(reason))
        if outcome.certificate is None:
            raise Conflict(outcome.reason)
        return Response(outcome_body(outcome))


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

CONFIGURATION_FIELDS = ("enabled", *sorted(api.CONFIGURATION_OPTIONS))


def configuration_defaults():
    return {name: CourseConfiguration._meta.get_field(name).get_default() for name in CONFIGURATION_FIELDS}


class ConfigurationView(CourseView):
    """The course's certificate configuration: read by course staff, changed by the instructor."""

    openapi = {
        "get": {"summary": "Read a course's certificate configuration", "responses": s.ConfigurationSerializer},
        "put": {
            "summary": "Replace a course's certificate configuration (fields left out take their defaults)",
            "request": s.ConfigurationSerializer,
            "responses": s.ConfigurationSerializer,
        },
        "patch": {
            "summary": "Change some fields of a course's certificate configuration",
            "request": s.ConfigurationSerializer,
            "responses": s.ConfigurationSerializer,
        },
    }

    operations = {"GET": "view", "PUT": "configure", "PATCH": "configure"}

    def get(self, request, course_key):
        return Response(self.body(api.get_course_configuration(course_key)))

    def put(self, request, course_key):
        return self.save(request, partial=False)

    def patch(self, request, course_key):
        return self.save(request, partial=True)

    def save(self, request, *, partial):
        """
        PUT sets every field (defaults for those left out); PATCH passes on only the fields sent, so
        a concurrent change of other fields is not undone. The result is checked whole first.
        """
        serializer = s.ConfigurationSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "").strip()
        current = api.get_course_configuration(self.course_key)
        if current is None and not queries.course_exists(self.course_key):
            raise exceptions.NotFound("No course has this key: the LMS does not know it.")
        before = self.values(current) if partial and current is not None else configuration_defaults()
        after = {**before, **changes}
        errors = validate_configuration(SimpleNamespace(**after))
        if errors:
            raise exceptions.ValidationError({field: [message] for field, message in errors.items()})
        options = {name: value for name, value in (changes if partial else after).items() if name != "enabled"}
        try:
            config = api.configure_course(
                self.course_key, enabled=after["enabled"], actor=request.user, reason=reason, **options
            )
        except (ValueError, TypeError) as error:  # a concurrent change made the whole invalid
            raise exceptions.ValidationError({"non_field_errors": [str(error)]}) from error
        return Response(self.body(config))

    @staticmethod
    def values(config):
        values = {name: getattr(config, name) for name in CONFIGURATION_FIELDS}
        return {**values, "eligible_modes": list(values["eligible_modes"] or [])}

    def body(self, config):
        values = configuration_defaults() if config is None else self.values(config)
        return s.ConfigurationSerializer(
            {"course_key": str(self.course_key), "configured": config is not None, **values}
        ).data


# ---------------------------------------------------------------------------
# Allowlist
# ---------------------------------------------------------------------------


class AllowlistView(CourseView):
    """Learners who earn a certificate whatever their grade."""

    openapi = {
        "get": {"summary": "List a course's allowlist", "responses": s.AllowlistEntrySerializer(many=True)},
        "post": {
            "summary": "Add a learner to the allowlist (issues their certificate when they are eligible)",
            "request": s.AllowlistAddSerializer,
            "responses": {200: s.AllowlistAddResultSerializer, 201: s.AllowlistAddResultSerializer},
        },
    }

    operations = {"GET": "view", "POST": "allowlist"}

    def get(self, request, course_key):
        return self.paginated(queries.allowlist(course_key), s.AllowlistEntrySerializer)

    def post(self, request, course_key):
        data = self.validated(s.AllowlistAddSerializer, request.data)
        user, outside_course = queries.find_learner_to_allowlist(
            data["user"], course_key, anyone_by_username=may_allowlist_outside_course(request.user)
        )
        if user is None:  # like an unknown learner in a path: 404, with the field named
            return Response({"user": ["No learner has this username, email or id."]}, status=status.HTTP_404_NOT_FOUND)
        existed = AllowlistEntry.objects.filter(user=user, course_key=course_key).exists()
        notes = data["notes"].strip()
        reason = "Added to the allowlist" + (f": {notes}" if notes else ".")
        outcome = issuance.add_to_allowlist(
            user.pk, course_key, notes=notes, cause=self.cause(reason), outside_course=outside_course
        )
        entry = queries.allowlist(course_key).get(user=user)
        body = {**outcome_body(outcome), "entry": s.AllowlistEntrySerializer(entry).data, "created": not existed}
        body["warnings"] = [allowlist.outside_course_warning(user.username)] if outside_course else []
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class AllowlistEntryView(CourseView):
    """One allowlisted learner; removing them applies the grade policy to them again."""

    openapi = {
        "delete": {
            "summary": "Remove a learner from the allowlist",
            "parameters": [
                OpenApiParameter(
                    "learner", OpenApiTypes.STR, OpenApiParameter.PATH, description="Username, email or id."
                )
            ],
            "responses": {204: None},
        }
    }

    operations = {"DELETE": "allowlist"}

    def delete(self, request, course_key, learner):
        user = learner_or_404(learner, course_key)
        if not AllowlistEntry.objects.filter(user=user, course_key=course_key).exists():
            raise exceptions.NotFound(f"'{learner}' is not on this course's allowlist.")
        issuance.remove_from_allowlist(user.pk, course_key, cause=self.cause("Removed from the allowlist."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AllowlistCsvView(CourseView):
    """Upload a CSV (username or email, notes): every row is checked first; then all are applied, or none."""

    openapi = {
        "post": {
            "summary": "Allowlist learners from a CSV file (all rows or none)",
            "request": {"multipart/form-data": s.AllowlistCsvSerializer},
            "responses": {
                200: s.AllowlistCsvResultSerializer,
                400: OpenApiResponse(s.AllowlistCsvErrorSerializer, description="Every bad row; nothing was applied."),
            },
        }
    }

    operations = {"POST": "allowlist"}
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request, course_key):
        upload = self.validated(s.AllowlistCsvSerializer, request.data)["file"]
        if upload.size > MAX_CSV_BYTES:
            raise exceptions.ValidationError({"file": [f"The file is larger than {MAX_CSV_BYTES // 1024} KiB."]})
        rows, errors = allowlist.parse_csv(upload.read(), course_key)
        if errors:
            rows = [{"line": error.line, "identifier": error.identifier, "message": error.message} for error in errors]
            body = {"file": [str(error) for error in errors], "rows": rows}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if not rows:
            raise exceptions.ValidationError({"file": ["The file lists no learners."]})
        outcomes = allowlist.apply_rows(rows, course_key, cause=self.cause("Added to the allowlist from a CSV file."))
        return Response({"added": len(rows), "certificates_changed": sum(1 for o in outcomes if o.changed)})


# ---------------------------------------------------------------------------
# Bulk runs
# ---------------------------------------------------------------------------

BULK_RUN_REQUEST = PolymorphicProxySerializer(
    component_name="BulkRunRequest",
    serializers=[s.IssueEligibleRunSerializer, s.RegenerateRunSerializer, s.ImportLmsRunSerializer],
    resource_type_field_name=None,
)


class BulkRunsView(CourseView):
    """
    Bulk runs: "issue every eligible learner", "regenerate by status" and "import the LMS's
    certificates" (the takeover), run by the LMS's workers
    (or at once without a broker). One run per course at a time.
    """

    openapi = {
        "get": {"summary": "List a course's bulk runs", "responses": s.BulkRunSerializer(many=True)},
        "post": {
            "summary": "Start a bulk run (one per course at a time)",
            "request": BULK_RUN_REQUEST,
            "responses": {
                202: s.BulkRunSerializer,
                409: OpenApiResponse(s.ErrorSerializer, description="A run is already in progress for this course."),
            },
        },
    }

    operations = {"GET": "view", "POST": "bulk"}

    def get(self, request, course_key):
        return self.paginated(queries.bulk_runs(course_key), s.BulkRunSerializer)

    def post(self, request, course_key):
        data = self.validated(s.BulkRunStartSerializer, request.data)
        run = bulk.start(
            course_key,
            data["kind"],
            actor=request.user,
            statuses=data["statuses"],
            notify_learners=data["notify_learners"],
        )
        run.refresh_from_db()  # without a broker it already ran
        return Response(s.BulkRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class BulkRunView(CourseView):
    """One bulk run of the course: its state and counts, for polling."""

    openapi = {"get": {"summary": "Poll a bulk run", "responses": s.BulkRunSerializer}}
    operations = {"GET": "view"}

    def get(self, request, course_key, run_id):
        run = queries.bulk_runs(course_key).filter(pk=run_id).first()
        if run is None:
            raise exceptions.NotFound(f"No bulk run {run_id} in this course.")
        return Response(s.BulkRunSerializer(run).data)


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


class HistoryView(CourseView):
    """Every change of the course's certificates, newest first, filtered by learner, actor and kind of change."""

    openapi = {
        "get": {
            "summary": "A course's audit trail",
            "parameters": [s.HistoryFilterSerializer],
            "responses": s.AuditRecordSerializer(many=True),
        }
    }

    operations = {"GET": "view"}

    def get(self, request, course_key):
        filters = self.validated(s.HistoryFilterSerializer, request.query_params)
        people = {}
        for name, find in (("user", queries.find_learner), ("actor", queries.find_actor)):
            if filters.get(name):
                people[name] = find(filters[name], course_key)
                if people[name] is None:  # nobody by that name: no records (not every record)
                    return self.paginated(queries.history(course_key).none(), s.AuditRecordSerializer)
        rows = queries.history(course_key, action=filters.get("action", ""), **people)
        return self.paginated(rows.select_related("certificate"), s.AuditRecordSerializer)


# ---------------------------------------------------------------------------
# The signed-in learner's own certificates
# ---------------------------------------------------------------------------


class MyCertificatesView(ApiView):
    """The signed-in user's own certificates, newest first (nobody else's)."""

    openapi = {
        "get": {"summary": "The signed-in learner's certificates", "responses": s.CertificateSerializer(many=True)}
    }

    permission_classes = [IsAuthenticated]

    def get(self, request):
        rows = CourseCertificate.objects.filter(user=request.user).select_related("user").order_by("-issued_at", "-id")
        return self.paginated(rows, s.CertificateSerializer)


# ---------------------------------------------------------------------------
# Schema and unknown paths
# ---------------------------------------------------------------------------


class SchemaView(SpectacularAPIView):
    """
    The OpenAPI 3 schema of this API, for signed-in users. drf-spectacular's SERVE_* settings are set
    here on the view (SERVE_PERMISSIONS: IsAuthenticated; SERVE_AUTHENTICATION: the API's own), so the
    LMS's SPECTACULAR_SETTINGS are neither needed nor changed.
    """

    authentication_classes = authentication_classes()
    permission_classes = [IsAuthenticated]
    serve_public = True  # the whole API, whatever the reader may call
    # JSON unless YAML is asked for (Accept, or ?format=yaml), so that errors are JSON as everywhere else.
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer, OpenApiYamlRenderer, OpenApiYamlRenderer2]
    schema = None  # not part of the schema it serves
    urlconf = "credentials_plugin.urls"
    custom_settings = {
        "TITLE": "Credentials plugin API",
        "DESCRIPTION": (
            "Course certificates of the Open edX credentials plugin: list, fetch, revoke, reinstate, "
            "regenerate and issue; course configuration; allowlist; bulk runs; history; a learner's own "
            "certificates. Session authentication (send the CSRF token on unsafe methods), or JWT in the LMS. "
            "Every error is a 4xx JSON body: `detail`, or a list of messages per field."
        ),
        "VERSION": "1.0.0",
        "COMPONENT_SPLIT_REQUEST": True,
        "ENUM_NAME_OVERRIDES": {"CertificateStatusEnum": "credentials_plugin.statuses.CertificateStatus"},
        "SCHEMA_PATH_PREFIX": "/api/credentials_plugin/v1",
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "credentials_plugin.web.rest_api.v1.views.finish_schema",
        ],
        "PATH_CONVERTER_OVERRIDES": {"course_key": {"type": "string", "pattern": r"^[^/+]+(/|\+)[^/+]+(/|\+)[^/?]+$"}},
    }


#: What ConfigurationSerializer.validate enforces across fields, in JSON Schema (OpenAPI 3.0).
AVAILABLE_DATE_GIVEN = {"properties": {"available_date": {"type": "string", "format": "date-time"}}}
DATE_NEEDS_A_DATE = {  # availability "date" comes with its date, in the same request
    "anyOf": [
        {"properties": {"availability": {"not": {"enum": ["date"]}}}},
        {"required": ["available_date"], **AVAILABLE_DATE_GIVEN},
    ]
}
NO_DATE_NEEDS_ANOTHER_AVAILABILITY = {  # a change clearing the date says which availability replaces it
    "anyOf": [
        AVAILABLE_DATE_GIVEN,
        {"required": ["availability"], "properties": {"availability": {"not": {"enum": ["date"]}}}},
    ]
}


def finish_schema(result, generator, request, public):
    """drf-spectacular post-processing: what its inspection cannot see."""
    schemas = result["components"]["schemas"]
    schemas["ConfigurationRequest"]["allOf"] = [DATE_NEEDS_A_DATE]
    schemas["PatchedConfigurationRequest"]["allOf"] = [DATE_NEEDS_A_DATE, NO_DATE_NEEDS_ANOTHER_AVAILABILITY]
    for path, operations in result["paths"].items():
        if path.endswith("/bulk-runs/"):
            operations["post"]["requestBody"]["required"] = True
    return result


@csrf_exempt  # it changes nothing: a POST to a wrong path gets this 404, not an HTML CSRF page
def not_found(request, *args, **kwargs):
    """Any other path under the API (a malformed course run key, say): a JSON 404, never an HTML page."""
    course_id = kwargs.get("course_id")
    if course_id is not None:
        try:
            api.as_course_key(course_id)
        except ValueError as error:
            return JsonResponse({"course_key": [str(error)]}, status=404)
    return JsonResponse({"detail": f"Not found: no such API endpoint (see {SCHEMA_PATH})."}, status=404)
