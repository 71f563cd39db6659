"""
The public page of a program credential: who earned which program, from whom, when, and with
which courses; shareable and printable like a course certificate.

An awarded credential shows to anyone (its owner also sees a congratulation); a revoked one is a
410 page saying so and since when; an unknown one is the same 404 page as an unknown certificate.
"""

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from credentials_plugin.certificates.looks import program_look
from credentials_plugin.core.links import absolute_url, program_credential_url, verify_url
from credentials_plugin.models import CourseCertificate, ProgramCredential
from credentials_plugin.programs import awarding
from credentials_plugin.programs.completion import progress
from credentials_plugin.statuses import CertificateStatus, ProgramCredentialStatus
from credentials_plugin.vc.verification import verify_program_credential
from credentials_plugin.web.certificate_pages import not_found, render_page
from credentials_plugin.web.presentation import (
    localized_date,
    program_theme_template_names,
    qr_code_svg,
    text_direction,
)
from credentials_plugin.web.rendering import render
from credentials_plugin.web.sharing import share_links


@require_safe
def program_credential_page(request, credential_uuid):
    """A program credential: shown when awarded, a 410 page when revoked, a 404 when unknown."""
    credential = (
        ProgramCredential.objects.select_related("program")
        .filter(uuid=credential_uuid, retired_at__isnull=True)
        .first()
    )
    if credential is None:
        return not_found()
    program = credential.program
    language = program.language or translation.get_language() or "en"
    with translation.override(language):
        if credential.status != ProgramCredentialStatus.AWARDED:
            return _revoked_page(credential, language)
        shape = awarding.program_shape(program.pk)
        look = program_look(program.pk, shape.organizations)
        is_owner = request.user.is_authenticated and request.user.pk == credential.user_id
        context = program_context(credential, shape, look, language=language, is_owner=is_owner)
        context["verification"] = verify_program_credential(credential)
        organization = shape.organizations[0] if shape.organizations else ""
        html = render(program_theme_template_names(program.uuid, organization), context)
    return HttpResponse(html)


@require_safe
def imported_credential_redirect(request, service_uuid):
    """
    ``/credentials/<uuid hex>/``, the `credentials` service's address of a program credential: a
    permanent redirect to our page of the credential imported from it (which answers 410 when it is
    revoked), and our 404 for any other. One indexed query, like the page itself.
    """
    credential_uuid = (
        ProgramCredential.objects.filter(imported_uuid=service_uuid, retired_at__isnull=True)
        .values_list("uuid", flat=True)
        .first()
    )
    if credential_uuid is None:
        return not_found()
    return HttpResponsePermanentRedirect(program_credential_url(credential_uuid))


def program_context(credential, shape, look, *, language, is_owner):
    """The template context of a program credential page."""
    issued_on = timezone.localtime(credential.issued_at).date()
    page_url = program_credential_url(credential.uuid)
    organization_name = look.branding.display_name
    return {
        "language": language,
        "text_direction": text_direction(language),
        "title": shape.title,
        "program_type": shape.program_type,
        # The type above the title, unless the title already says it ("Professional Certificate in …").
        "show_program_type": bool(shape.program_type) and shape.program_type.casefold() not in shape.title.casefold(),
        "learner_name": credential.learner_name,
        "issued_on": localized_date(issued_on),
        "organization": look.branding,
        "signatories": look.signatories,
        "courses": _earned_with(credential.user_id, shape),
        "credential_id": str(credential.uuid),
        "page_url": page_url,
        "verify_url": verify_url(credential.uuid),
        "qr_code_url": reverse("credentials_plugin:program_credential_qr", args=[credential.uuid]),
        "credential_url": absolute_url(reverse("credentials_plugin:program_credential_json", args=[credential.uuid])),
        "share": share_links(
            title=shape.title,
            organization_name=organization_name,
            linkedin_organization_id=look.branding.linkedin_organization_id,
            issued_on=issued_on,
            page_url=page_url,
            certificate_id=str(credential.uuid),
        ),
        "is_owner": is_owner,
        "description": _("%(name)s earned the program credential %(program)s from %(org)s.")
        % {"name": credential.learner_name, "program": shape.title, "org": organization_name},
        "image_url": look.branding.logo_url or absolute_url(static("credentials_plugin/share-card.png")),
        **(
            {"theme_stylesheet_url": reverse("credentials_plugin:organization_theme", args=[look.branding.short_name])}
            if look.branding.short_name
            else {}
        ),
    }


def _earned_with(user_id, shape):
    """The course certificates that count towards the program, in the program's order: (title, page)."""
    rows = CourseCertificate.objects.filter(
        user_id=user_id, course_key__in=list(shape.course_keys), status=CertificateStatus.AWARDED
    ).values_list("course_key", "course_name", "uuid")
    certificates = {course_key: (name or str(course_key), uuid) for course_key, name, uuid in rows}
    return [
        {"title": certificates[run][0], "url": reverse("credentials_plugin:certificate", args=[certificates[run][1]])}
        for run in progress(shape, certificates).earned_with
    ]


def _revoked_page(credential, language):
    context = {
        "language": language,
        "text_direction": text_direction(language),
        "status": ProgramCredentialStatus.REVOKED,
        "since": localized_date(credential.revoked_at or credential.modified),
        "course_name": credential.program.title,
    }
    return render_page(["credentials_plugin/not_valid.html"], context, status=410)


@require_safe
@cache_control(public=True, max_age=31_536_000, immutable=True)
def program_qr(request, credential_uuid):
    """The QR code of a program credential page's address (the same forever: it encodes the URL alone)."""
    return HttpResponse(qr_code_svg(program_credential_url(credential_uuid)), content_type="image/svg+xml")
