"""Public pages anyone can open: the certificate, its QR code and its organization's colours."""

from django.http import HttpResponse, HttpResponseNotFound, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from openedx_filters.learning.filters import CertificateRenderStarted

from credentials_plugin import api
from credentials_plugin.certificates.looks import certificate_state, course_look
from credentials_plugin.core.links import absolute_url
from credentials_plugin.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    CourseCertificate,
    EngagementCount,
    Organization,
)
from credentials_plugin.statuses import CertificateStatus
from credentials_plugin.vc.verification import verify_certificate_credential
from credentials_plugin.web import page_cache
from credentials_plugin.web.engagement_pages import counted
from credentials_plugin.web.permissions import is_course_staff
from credentials_plugin.web.presentation import (
    card_facts,
    certificate_context,
    gone_card,
    localized_date,
    page_language,
    qr_code_svg,
    text_direction,
    theme_template_names,
)
from credentials_plugin.web.preview_cards import card_png
from credentials_plugin.web.rendering import render

GONE_STATUSES = (CertificateStatus.REVOKED, CertificateStatus.NOT_PASSING)


def render_page(template_names, context, status=200):
    return HttpResponse(render(template_names, context), status=status)


def not_found(language=None):
    language = language or translation.get_language() or "en"
    context = {"language": language, "text_direction": text_direction(language)}
    return render_page(["credentials_plugin/not_found.html"], context, status=404)


@require_safe
def lms_certificate_link(request, verify_uuid):
    """
    An old link to the LMS's certificate page (``/certificates/<verify_uuid>``): moved for good to
    ours (301), which answers 410 for a revoked one; 404 for an id we do not hold.
    """
    certificate = api.get_certificate_by_lms_id(verify_uuid)
    if certificate is None:
        return not_found()
    return HttpResponsePermanentRedirect(certificate.public_url)


@require_safe
@counted(EngagementCount.Kind.VIEW)
def certificate_page(request, certificate_uuid):
    """A course certificate, told honestly: valid, expired, not yet public, or no longer valid."""
    cache_key = page_cache.key_for(request, certificate_uuid)
    if cache_key and (html := page_cache.get(cache_key, certificate_uuid)) is not None:
        return HttpResponse(html)
    certificate = CourseCertificate.objects.filter(uuid=certificate_uuid, retired_at__isnull=True).first()
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return not_found()
    look = course_look(certificate.course_key)
    language = page_language(look)
    with translation.override(language):
        if certificate.status in GONE_STATUSES:
            return _not_valid_page(certificate, look, language)
        is_owner = request.user.is_authenticated and request.user.pk == certificate.user_id
        state = certificate_state(certificate, look)
        if state.kind == "not_yet_available" and not (
            is_owner or is_course_staff(request.user, certificate.course_key)
        ):
            return not_found(language)
        checked = verify_certificate_credential(certificate) if state.kind != "not_yet_available" else None
        context = certificate_context(
            certificate, look, language=language, state=state, is_owner=is_owner, verification=checked
        )
        names = theme_template_names(certificate.course_key, certificate.mode, language)
        response = render_certificate(context, names)
    if cache_key and not is_owner and response.status_code == 200:
        page_cache.put(cache_key, certificate, look, state, response.content)
    return response


def render_certificate(context, template_names):
    """Run CertificateRenderStarted, then render; its exceptions map as the LMS maps them."""
    try:
        context, custom_template = CertificateRenderStarted.run_filter(context=context, custom_template=None)
    except CertificateRenderStarted.RedirectToPage as exc:
        return HttpResponseRedirect(exc.redirect_to or "/")
    except CertificateRenderStarted.RenderAlternativeInvalidCertificate as exc:
        return render_page([exc.template_name or "credentials_plugin/not_valid.html"], context)
    except CertificateRenderStarted.RenderCustomResponse as exc:
        return exc.response
    if isinstance(custom_template, str) and custom_template:
        template_names = [custom_template, *template_names]
    return render_page(template_names, context)


def _not_valid_page(certificate, look, language):
    since = certificate.revoked_at if certificate.status == CertificateStatus.REVOKED else certificate.modified
    context = {
        "language": language,
        "text_direction": text_direction(language),
        "status": certificate.status,
        "since": localized_date(since),
        "course_name": certificate.course_name,
        "gone_card": gone_card(certificate, look, language=language),
    }
    return render_page(["credentials_plugin/not_valid.html"], context, status=410)


@require_safe
@cache_control(public=True, max_age=300)
def organization_theme(request, org):
    """The organization's colours as a stylesheet (no inline styles: pages work under a strict CSP)."""
    branding = Organization.objects.filter(short_name=org).values("primary_colour", "accent_colour").first()
    branding = branding or {"primary_colour": DEFAULT_PRIMARY_COLOUR, "accent_colour": DEFAULT_ACCENT_COLOUR}
    css = ":root {{ --primary: {primary_colour}; --accent: {accent_colour}; }}\n".format(**branding)
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=31_536_000, immutable=True)
def certificate_qr(request, certificate_uuid):
    """The QR code of a certificate's page address (the same forever: it encodes the URL alone)."""
    page_url = absolute_url(reverse("credentials_plugin:certificate", args=[certificate_uuid]))
    return HttpResponse(qr_code_svg(page_url), content_type="image/svg+xml")


# Social networks fetch a card when a link is shared, and again now and then: five minutes lets a
# revocation reach the next fetch soon; the ETag (what the card shows) makes a re-fetch a 304.
CARD_CACHE_CONTROL = "public, max-age=300"


@require_safe
def certificate_card(request, certificate_uuid):
    """
    The certificate's preview card, a 1200x630 PNG (``web.preview_cards``): drawn once per state of
    the certificate, then served from the cache. A revoked or no longer valid certificate's card
    says so; a certificate that is not public (yet) has none.
    """
    certificate = CourseCertificate.objects.filter(uuid=certificate_uuid, retired_at__isnull=True).first()
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return HttpResponseNotFound(b"", content_type="image/png")
    look = course_look(certificate.course_key)
    language = page_language(look)
    with translation.override(language):
        state = certificate_state(certificate, look)
        if certificate.status == CertificateStatus.AWARDED and state.kind == "not_yet_available":
            return HttpResponseNotFound(b"", content_type="image/png")
        facts = card_facts(certificate, look, state, language=language)
    etag = f'"{facts.key}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(card_png(facts), content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = CARD_CACHE_CONTROL
    return response
