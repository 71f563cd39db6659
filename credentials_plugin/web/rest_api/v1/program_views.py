"""
The API of programs, program credentials and the learner record.

- ``programs/``: any signed-in user lists and reads programs (their definitions are public on
  every credential page); only global staff create or redefine one, through ``api.define_program``.
- ``program-credentials/<uuid>/``: its holder reads it; revoking and reinstating (a reason
  required) follow ``permissions.can_in_program``, through the programs domain core.
- ``me/record/``: the signed-in learner's record, the same rows as the record page
  (``credentials_plugin.records.learner_record``), and the share links they make and revoke.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from credentials_plugin import api
from credentials_plugin.backends import get_backend
from credentials_plugin.core.limits import MAX_PROGRAM_RUNS
from credentials_plugin.core.links import absolute_url
from credentials_plugin.data import ProgramCredentialData, ProgramData
from credentials_plugin.models import Program, ProgramCredential
from credentials_plugin.programs import awarding as programs
from credentials_plugin.programs.definitions import DefinitionError
from credentials_plugin.records import learner_record
from credentials_plugin.statuses import CourseLossPolicy, ProgramCredentialStatus, ProgramState
from credentials_plugin.web.permissions import can_in_program
from credentials_plugin.web.rest_api.v1 import serializers as s
from credentials_plugin.web.rest_api.v1.views import ApiView, Conflict

COURSE_KEY_PATTERN = r"^course-v1:[A-Za-z0-9._~-]+\+[A-Za-z0-9._~-]+\+[A-Za-z0-9._~-]+$"
ORGANIZATION_PATTERN = r"^[A-Za-z0-9._-]+$"


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------


def _course_key_field():
    return serializers.RegexField(COURSE_KEY_PATTERN, max_length=255, help_text="A course run key (course-v1:...).")


class RequirementSerializer(serializers.Serializer):
    """A requirement: ``choose`` of its courses (all of them when left out), each met by any one of its runs."""

    title = s.JsonCharField(required=False, allow_blank=True, max_length=255, validators=[s.TEXT])
    courses = serializers.ListField(
        child=serializers.ListField(child=_course_key_field(), min_length=1, max_length=MAX_PROGRAM_RUNS),
        min_length=1,
        max_length=MAX_PROGRAM_RUNS,
    )
    choose = s.JsonIntegerField(required=False, min_value=1, max_value=MAX_PROGRAM_RUNS)


class ProgramSerializer(serializers.Serializer):
    """A program's definition (what ``api.define_program`` takes, and returns)."""

    uuid = serializers.UUIDField(read_only=True)
    title = s.TitleField()
    program_type = s.JsonCharField(required=False, allow_blank=True, max_length=64, validators=[s.TEXT])
    description = s.JsonCharField(required=False, allow_blank=True, max_length=10_000, validators=[s.TEXT])
    organizations = serializers.ListField(
        child=serializers.RegexField(ORGANIZATION_PATTERN, max_length=255), required=False, max_length=10
    )
    language = s.LanguageField(required=False)
    state = serializers.ChoiceField(choices=ProgramState.choices, required=False)
    on_course_loss = serializers.ChoiceField(choices=CourseLossPolicy.choices, required=False)
    requirements = serializers.ListField(child=RequirementSerializer(), min_length=1, max_length=MAX_PROGRAM_RUNS)

    def to_representation(self, program):
        return {
            "uuid": str(program.uuid),
            "title": program.title,
            "program_type": program.program_type,
            "description": program.description,
            "organizations": list(program.organizations),
            "language": program.language,
            "state": program.state,
            "on_course_loss": program.on_course_loss,
            "requirements": [
                {
                    "title": requirement.title,
                    "courses": [[str(run) for run in course] for course in requirement.courses],
                    "choose": requirement.choose,
                }
                for requirement in program.requirements
            ],
        }


class ProgramCredentialSerializer(serializers.Serializer):
    """A learner's program credential."""

    uuid = serializers.UUIDField()
    program_uuid = serializers.UUIDField()
    program_title = serializers.CharField()
    user_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProgramCredentialStatus.choices)
    learner_name = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_reason = serializers.CharField(allow_blank=True)
    public_url = serializers.URLField()


class ProgramCredentialOutcomeSerializer(serializers.Serializer):
    changed = serializers.BooleanField()
    detail = serializers.CharField()
    credential = ProgramCredentialSerializer()


class RecordCertificateSerializer(serializers.Serializer):
    certificate_uuid = serializers.UUIDField()
    course_key = serializers.CharField()
    title = serializers.CharField()
    organization = serializers.CharField()
    status = serializers.CharField(help_text="The stored status: awarded, not_passing, revoked or unverified.")
    state = serializers.CharField(help_text="How it shows today: awarded, expired, not_yet_available or the status.")
    state_label = serializers.CharField()
    issued_on = serializers.DateField()
    expires_at = serializers.DateTimeField(allow_null=True)
    grade = serializers.CharField(help_text="As a percentage where the course shows grades, else empty.")
    url = serializers.URLField()


class RecordCourseSerializer(serializers.Serializer):
    title = serializers.CharField()
    course_keys = serializers.ListField(child=serializers.CharField())
    done = serializers.BooleanField()
    certificate_url = serializers.CharField(allow_blank=True)


class RecordRequirementSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    choose = serializers.IntegerField()
    done_count = serializers.IntegerField()
    is_met = serializers.BooleanField()
    courses = RecordCourseSerializer(many=True)


class RecordProgramSerializer(serializers.Serializer):
    program_uuid = serializers.UUIDField()
    title = serializers.CharField()
    program_type = serializers.CharField(allow_blank=True)
    organization = serializers.CharField(allow_blank=True)
    credential_uuid = serializers.UUIDField(allow_null=True)
    state = serializers.ChoiceField(choices=["awarded", "revoked", "in_progress"])
    state_label = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_blank=True)
    courses_done = serializers.IntegerField()
    courses_needed = serializers.IntegerField()
    requirements = RecordRequirementSerializer(many=True)


class RecordSerializer(serializers.Serializer):
    """A learner record: the same rows as the record page (no username, no email)."""

    learner_name = serializers.CharField(allow_blank=True)
    certificates = RecordCertificateSerializer(many=True)
    programs = RecordProgramSerializer(many=True)


class ShareLinkSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.URLField(help_text="The shared record's address.")
    created = serializers.DateTimeField()

    def to_representation(self, link):
        return {
            "uuid": str(link.uuid),
            "url": absolute_url(f"/credentials/records/{link.uuid}/"),
            "created": serializers.DateTimeField().to_representation(link.created),
        }


# ---------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------


class GlobalStaffWrites(IsAuthenticated):
    """Signed-in users read; only global staff write."""

    message = "Only global staff may define programs."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or get_backend().is_global_staff(request.user)


DEFINITION_CONFLICT = OpenApiResponse(
    s.ErrorSerializer, description="The definition is inconsistent (a run listed twice, choose above its courses)."
)


def _define(request, data, program_uuid=None):
    options = {key: value for key, value in data.items() if key not in ("title", "requirements", "program_type")}
    try:
        return api.define_program(
            title=data["title"],
            requirements=[dict(requirement) for requirement in data["requirements"]],
            program_type=data.get("program_type", ""),
            uuid=program_uuid,
            actor=request.user,
            **options,
        )
    except DefinitionError as error:
        raise Conflict(" ".join(error.errors)) from error


class ProgramsView(ApiView):
    """Every program (signed-in users); create one (global staff)."""

    openapi = {
        "get": {"summary": "List programs", "responses": ProgramSerializer(many=True)},
        "post": {
            "summary": "Create a program",
            "request": ProgramSerializer,
            "responses": {201: ProgramSerializer, 409: DEFINITION_CONFLICT},
        },
    }
    permission_classes = [GlobalStaffWrites]

    def get(self, request):
        rows = Program.objects.prefetch_related("requirements", "course_runs").order_by("title", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([ProgramSerializer(ProgramData.from_model(p)).data for p in page])

    def post(self, request):
        data = self.validated(ProgramSerializer, request.data)
        return Response(ProgramSerializer(_define(request, data)).data, status=status.HTTP_201_CREATED)


class ProgramView(ApiView):
    """One program (signed-in users); redefine it, replacing its requirements (global staff)."""

    openapi = {
        "get": {"summary": "Fetch a program", "responses": ProgramSerializer},
        "put": {
            "summary": "Redefine a program",
            "request": ProgramSerializer,
            "responses": {200: ProgramSerializer, 409: DEFINITION_CONFLICT},
        },
    }
    permission_classes = [GlobalStaffWrites]

    def get(self, request, program_uuid):
        return Response(ProgramSerializer(self._program()).data)

    def put(self, request, program_uuid):
        self._program()
        data = self.validated(ProgramSerializer, request.data)
        return Response(ProgramSerializer(_define(request, data, program_uuid)).data)

    def _program(self):
        program = api.get_program(self.kwargs["program_uuid"])
        if program is None:
            raise exceptions.NotFound(f"No program {self.kwargs['program_uuid']}.")
        return program


# ---------------------------------------------------------------------------
# Program credentials
# ---------------------------------------------------------------------------


class ProgramCredentialView(ApiView):
    """A view on one program credential; OPERATION is what it needs (``permissions.can_in_program``)."""

    permission_classes = [IsAuthenticated]
    operation = "view_program_credentials"

    def get_credential(self):
        credential = ProgramCredential.objects.filter(uuid=self.kwargs["credential_uuid"]).first()
        if credential is None:
            raise exceptions.NotFound(f"No program credential {self.kwargs['credential_uuid']}.")
        is_holder = self.operation == "view_program_credentials" and credential.user_id == self.request.user.pk
        shape = programs.program_shape(credential.program_id)
        if not (is_holder or can_in_program(self.request.user, self.operation, shape.course_keys)):
            raise exceptions.PermissionDenied(
                "You need global staff, or the role this needs in a course run of the program."
            )
        return credential

    def act(self, domain_function):
        credential = self.get_credential()
        reason = self.validated(s.ReasonSerializer, self.request.data)["reason"]
        outcome = domain_function(credential.uuid, reason=reason, cause=self.cause(reason))
        body = {"changed": outcome.changed, "detail": outcome.reason, "credential": outcome.credential}
        return Response(ProgramCredentialOutcomeSerializer(body).data)


class ProgramCredentialDetailView(ProgramCredentialView):
    """One program credential: its holder, or staff of a course run of the program."""

    openapi = {"get": {"summary": "Fetch a program credential", "responses": ProgramCredentialSerializer}}

    def get(self, request, credential_uuid):
        credential = self.get_credential()
        return Response(ProgramCredentialSerializer(ProgramCredentialData.from_model(credential)).data)


class ProgramCredentialRevokeView(ProgramCredentialView):
    """Revoke (a reason is required); it stays revoked, whatever the learner completes, until reinstated."""

    openapi = {
        "post": {
            "summary": "Revoke a program credential",
            "request": s.ReasonSerializer,
            "responses": ProgramCredentialOutcomeSerializer,
        }
    }
    operation = "revoke_program_credential"

    def post(self, request, credential_uuid):
        return self.act(programs.revoke)


class ProgramCredentialReinstateView(ProgramCredentialView):
    """Lift a revocation (a reason is required); awarded again when the program is complete."""

    openapi = {
        "post": {
            "summary": "Reinstate a program credential",
            "request": s.ReasonSerializer,
            "responses": ProgramCredentialOutcomeSerializer,
        }
    }
    operation = "reinstate_program_credential"

    def post(self, request, credential_uuid):
        return self.act(programs.reinstate)


# ---------------------------------------------------------------------------
# The signed-in learner's record and share links
# ---------------------------------------------------------------------------


class MyRecordView(ApiView):
    """The signed-in learner's record: the same rows as the record page."""

    openapi = {"get": {"summary": "The signed-in learner's record", "responses": RecordSerializer}}
    permission_classes = [IsAuthenticated]
    pagination_class = None

    def get(self, request):
        return Response(learner_record.as_json(learner_record.learner_record(request.user.pk)))


class MyShareLinksView(ApiView):
    """The learner's active share links; create one."""

    openapi = {
        "get": {"summary": "List my record's share links", "responses": ShareLinkSerializer(many=True)},
        "post": {
            "summary": "Create a share link to my record",
            "request": None,
            "responses": {
                201: ShareLinkSerializer,
                409: OpenApiResponse(s.ErrorSerializer, description="Too many active links: revoke one first."),
            },
        },
    }
    permission_classes = [IsAuthenticated]
    pagination_class = None

    def get(self, request):
        return Response(ShareLinkSerializer(learner_record.active_share_links(request.user.pk), many=True).data)

    def post(self, request):
        try:
            link = learner_record.create_share_link(request.user.pk, cause=self.cause())
        except learner_record.ShareLinkError as error:
            raise Conflict(str(error)) from error
        return Response(ShareLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class MyShareLinkView(ApiView):
    """Revoke one of the learner's own share links (another learner's is a 404)."""

    openapi = {"delete": {"summary": "Revoke a share link", "responses": {204: None}}}
    permission_classes = [IsAuthenticated]

    def delete(self, request, share_uuid):
        try:
            learner_record.revoke_share_link(request.user.pk, share_uuid, cause=self.cause())
        except learner_record.ShareLinkError as error:
            raise exceptions.NotFound(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
