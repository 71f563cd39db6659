"""Public pages anyone can open: the certificate, and checking a certificate by its ID."""

import hashlib
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from openedx_filters.learning.filters import CertificateRenderStarted

from credentials_plugin.conf import plugin_settings
from credentials_plugin.links import absolute_url
from credentials_plugin.models import DEFAULT_ACCENT_COLOUR, DEFAULT_PRIMARY_COLOUR, CourseCertificate, Organization
from credentials_plugin.permissions import is_course_staff
from credentials_plugin.presentation import (
    PageState,
    certificate_context,
    course_look,
    localized_date,
    page_language,
    text_direction,
    theme_template_names,
)
from credentials_plugin.rendering import render
from credentials_plugin.statuses import CertificateStatus

GONE_STATUSES = (CertificateStatus.REVOKED, CertificateStatus.NOT_PASSING)


def render_page(template_names, context, status=200):
    return HttpResponse(render(template_names, context), status=status)


def not_found(language=None):
    language = language or translation.get_language() or "en"
    context = {"language": language, "text_direction": text_direction(language)}
    return render_page(["credentials_plugin/not_found.html"], context, status=404)


@require_safe
def certificate_page(request, certificate_uuid):
    """A course certificate, told honestly: valid, expired, not yet public, or no longer valid."""
    certificate = CourseCertificate.objects.filter(uuid=certificate_uuid).first()
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return not_found()
    look = course_look(certificate.course_key)
    language = page_language(look)
    with translation.override(language):
        if certificate.status in GONE_STATUSES:
            return _not_valid_page(certificate, language)
        is_owner = request.user.is_authenticated and request.user.pk == certificate.user_id
        state = _state(certificate, look)
        if state.kind == "not_yet_available" and not (
            is_owner or is_course_staff(request.user, certificate.course_key)
        ):
            return not_found(language)
        cache_key = _public_page_cache_key(certificate, look, language, state) if not is_owner else None
        cached = cache.get(cache_key) if cache_key else None
        if cached is not None:
            return HttpResponse(cached)
        context = certificate_context(certificate, look, language=language, state=state, is_owner=is_owner)
        names = theme_template_names(certificate.course_key, certificate.mode, language)
        response = render_certificate(context, names)
        if cache_key and response.status_code == 200:
            cache.set(cache_key, response.content, plugin_settings.CONFIG_CACHE_SECONDS)
        return response


def _public_page_cache_key(certificate, look, language, state):
    """
    The key of a page as the public sees it, or None when it must not be cached (previews, or a
    CertificateRenderStarted pipeline, which may depend on the request). Any change to the
    certificate, the course's look or the themes makes a new key.
    """
    if state.kind not in ("awarded", "expired") or _render_pipeline_configured():
        return None
    themes = hashlib.sha256(repr(plugin_settings.THEME_DIRS).encode()).hexdigest()[:12]
    site = hashlib.sha256(absolute_url("/").encode()).hexdigest()[:12]
    stamp = certificate.modified.timestamp()
    return f"credentials_plugin.page.{certificate.uuid}.{stamp}.{look.version}.{language}.{state.kind}.{themes}.{site}"


def _render_pipeline_configured():
    config = getattr(settings, "OPEN_EDX_FILTERS_CONFIG", {}) or {}
    return bool(config.get(CertificateRenderStarted.filter_type, {}).get("pipeline"))


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


def _state(certificate, look):
    now = timezone.now()
    if look.available_from and look.available_from > now:
        return PageState("not_yet_available", look.available_from)
    if certificate.expires_at and certificate.expires_at <= now:
        return PageState("expired", certificate.expires_at)
    return PageState("awarded")


def _not_valid_page(certificate, language):
    since = certificate.revoked_at if certificate.status == CertificateStatus.REVOKED else certificate.modified
    context = {
        "language": language,
        "text_direction": text_direction(language),
        "status": certificate.status,
        "since": localized_date(since),
        "course_name": certificate.course_name,
    }
    return render_page(["credentials_plugin/not_valid.html"], context, status=410)


@require_safe
def verify_page(request):
    """Check a certificate by its ID: says in plain words whether it is valid today."""
    raw = request.GET.get("certificate", "").strip().rstrip("/").rsplit("/", 1)[-1]
    result = None
    if raw:
        try:
            certificate = CourseCertificate.objects.filter(uuid=UUID(raw)).first()
        except ValueError:
            certificate = None
        result = _verification(certificate)
    language = translation.get_language() or "en"
    context = {"language": language, "text_direction": text_direction(language), "query": raw, "result": result}
    return render_page(
        ["credentials_plugin/verify.html"], context, status=200 if result is None or result["found"] else 404
    )


def _verification(certificate):
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return {"found": False, "valid": False}
    look = course_look(certificate.course_key)
    if _state(certificate, look).kind == "not_yet_available":
        return {"found": False, "valid": False}
    if certificate.status in GONE_STATUSES:
        valid = False
    else:
        valid = not (certificate.expires_at and certificate.expires_at <= timezone.now())
    return {
        "found": True,
        "valid": valid,
        "status": certificate.status,
        "learner_name": certificate.learner_name if valid else "",
        "course_name": certificate.course_name,
        "expired": bool(certificate.expires_at and certificate.expires_at <= timezone.now()),
    }


@require_safe
@cache_control(public=True, max_age=300)
def organization_theme(request, org):
    """The organization's colours as a stylesheet (no inline styles: pages work under a strict CSP)."""
    branding = Organization.objects.filter(short_name=org).values("primary_colour", "accent_colour").first()
    branding = branding or {"primary_colour": DEFAULT_PRIMARY_COLOUR, "accent_colour": DEFAULT_ACCENT_COLOUR}
    css = ":root {{ --primary: {primary_colour}; --accent: {accent_colour}; }}\n".format(**branding)
    return HttpResponse(css, content_type="text/css; charset=utf-8")
