"""
What a certificate page shows: its theme templates, language and direction, dates, QR codes,
and the template context, built from the course's look (``certificates.looks``).
"""

from __future__ import annotations

import hashlib
import io
import re

import segno
from django.core.cache import cache
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credentials_plugin.certificates.looks import PageState
from credentials_plugin.core.dates import localized_date
from credentials_plugin.core.links import absolute_url, site_name, site_url, verify_url
from credentials_plugin.statuses import CertificateStatus
from credentials_plugin.vc.documents import course_criteria
from credentials_plugin.web.preview_cards import HEIGHT as CARD_HEIGHT
from credentials_plugin.web.preview_cards import WIDTH as CARD_WIDTH
from credentials_plugin.web.preview_cards import CardFacts
from credentials_plugin.web.rendering import isolate
from credentials_plugin.web.sharing import share_links

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "dv", "yi", "ku"})


def theme_template_names(course_key, mode, language, page="certificate.html"):
    """Template lookup, most specific first: run+mode+language, run, organization, mode, default."""
    run = re.sub(r"[^A-Za-z0-9._+-]", "_", str(course_key))
    names = [f"credentials_plugin/themes/courses/{run}/{mode}/{language}/{page}"] if mode and language else []
    names += [
        f"credentials_plugin/themes/courses/{run}/{page}",
        f"credentials_plugin/themes/orgs/{course_key.org}/{page}",
    ]
    names += [f"credentials_plugin/themes/modes/{mode}/{page}"] if mode else []
    return [*names, f"credentials_plugin/{page}"]


def program_theme_template_names(program_uuid, organization, page="program.html"):
    """Template lookup of a program page, most specific first: the program, its organization, default."""
    names = [f"credentials_plugin/themes/programs/{program_uuid}/{page}"]
    if organization:
        names.append(f"credentials_plugin/themes/orgs/{organization}/{page}")
    return [*names, f"credentials_plugin/{page}"]


def text_direction(language):
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def qr_code_svg(url):
    """An SVG QR code of URL, made locally, and cached: encoding one takes milliseconds."""
    key = "credentials_plugin.qr.v2." + hashlib.sha256(url.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=4, dark="#1d1d1d", title=url)
        svg = buffer.getvalue()
        cache.set(key, svg, None)
    return svg


SHARE_NETWORKS = ("linkedin", "x", "facebook", "email")


def counted_share_urls(certificate_uuid):
    """The share buttons' links: the plugin's share endpoint, which counts the click and redirects."""
    return {
        network: reverse("credentials_plugin:certificate_share", args=[certificate_uuid, network])
        for network in SHARE_NETWORKS
    }


def certificate_share_links(certificate, look):
    """Where each share button leads (LinkedIn's Add-to-profile, X, Facebook, email), by network."""
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    return share_links(
        title=title,
        organization_name=look.branding.display_name,
        linkedin_organization_id=look.branding.linkedin_organization_id,
        issued_on=certificate.date_override or timezone.localtime(certificate.issued_at).date(),
        page_url=absolute_url(reverse("credentials_plugin:certificate", args=[certificate.uuid])),
        certificate_id=str(certificate.uuid),
    )


def certificate_context(certificate, look, *, language, state, is_owner, request=None, verification=None):
    """
    The template context of a certificate page (``certificate`` may be a sample for previews).
    VERIFICATION is its signed credential's check (``vc.verification``), shown as the "Verified" panel.
    """
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    issued_on = certificate.date_override or timezone.localtime(certificate.issued_at).date()
    page_url = absolute_url(reverse("credentials_plugin:certificate", args=[certificate.uuid]))
    show_grade = bool(config and config.show_grade and certificate.percent_grade is not None)
    description = _("%(name)s earned a certificate in %(course)s from %(org)s.") % {
        "name": certificate.learner_name,
        "course": title,
        "org": look.branding.display_name,
    }
    if state.kind in CARD_STATES:  # a real certificate: its own card, its address changing with what it shows
        card = card_facts(certificate, look, state, language=language)
        card_url = reverse("credentials_plugin:certificate_card", args=[certificate.uuid])
        image_url = absolute_url(f"{card_url}?v={card.key[:12]}")
    else:  # a preview's sample or a certificate not public yet: the generic picture
        image_url = absolute_url(static("credentials_plugin/share-card.png"))
    return {
        # The keys the platform's CertificateRenderStarted pipelines read.
        "course_id": str(certificate.course_key),
        "accomplishment_user_id": certificate.user_id,
        "accomplishment_copy_course_name": title,
        "user_certificate": certificate,
        # Ours.
        "language": language,
        "text_direction": text_direction(language),
        "title": title,
        "learner_name": certificate.learner_name,
        "issued_on": localized_date(issued_on),
        "grade": f"{certificate.percent_grade:.0%}" if show_grade else "",
        "organization": look.branding,
        "signatories": look.signatories,
        "certificate_id": str(certificate.uuid),
        "page_url": page_url,
        "verify_url": verify_url(certificate.uuid),
        "verify_page_url": absolute_url(reverse("credentials_plugin:verify")),
        "qr_code_url": reverse("credentials_plugin:certificate_qr", args=[certificate.uuid]),
        # The signed credential: the trust line, the "Verified" panel and the credential's download.
        "verification": verification,
        "credential_url": absolute_url(reverse("credentials_plugin:certificate_credential", args=[certificate.uuid])),
        # What the course is and what the certificate attests (the catalog's words; the signed criteria).
        "course_description": look.about.short_description,
        "course_effort": look.about.effort,
        "criteria": course_criteria(config),
        # The site around the certificate: its name and home, and the owner's record.
        "site_name": site_name(),
        "site_url": site_url(),
        "record_url": reverse("credentials_plugin:record") if is_owner else "",
        "share": counted_share_urls(certificate.uuid),
        "state": state.kind,
        "state_since": localized_date(state.since) if state.since else "",
        "is_owner": is_owner,
        "description": description,
        "image_url": image_url,
        "image_width": CARD_WIDTH,
        "image_height": CARD_HEIGHT,
        "image_alt": _("%(org)s certificate of achievement: %(name)s, %(course)s")
        % {"org": look.branding.display_name, "name": certificate.learner_name, "course": title},
        "social_title": _("%(name)s · %(course)s · %(org)s")
        % {
            "name": isolate(certificate.learner_name),
            "course": isolate(title),
            "org": isolate(look.branding.display_name),
        },
        "theme_stylesheet_url": reverse("credentials_plugin:organization_theme", args=[look.branding.short_name]),
    }


# The states whose page links its own preview card (a preview's sample and a page not yet public do not).
CARD_STATES = ("awarded", "expired")


def card_facts(certificate, look, state, *, language):
    """What the certificate's preview card shows, in LANGUAGE (the page's): ``web.preview_cards``."""
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    issued_on = certificate.date_override or timezone.localtime(certificate.issued_at).date()
    if certificate.status == CertificateStatus.REVOKED:
        warning = _("Revoked")
    elif certificate.status != CertificateStatus.AWARDED:
        warning = _("No longer valid")
    elif state.kind == "expired":
        warning = _("Expired")
    else:
        warning = ""
    gone = certificate.status != CertificateStatus.AWARDED
    return CardFacts(
        # A certificate that is no longer valid is not told with its holder's name (as its 410 page).
        learner_name="" if gone else certificate.learner_name,
        course_title=title,
        organization_name=look.branding.display_name,
        headline=_("Certificate of achievement"),
        issued_line=_("Issued %(date)s") % {"date": localized_date(issued_on)},
        site_name=site_name(),
        primary_colour=look.branding.primary_colour,
        accent_colour=look.branding.accent_colour,
        warning=warning,
        direction=text_direction(language),
    )


def gone_card(certificate, look, *, language):
    """The social preview of a certificate that is no longer valid: its card, stamped (for the 410 page)."""
    card = card_facts(certificate, look, PageState(certificate.status), language=language)
    card_url = reverse("credentials_plugin:certificate_card", args=[certificate.uuid])
    return {
        "site_name": card.site_name,
        "page_url": absolute_url(reverse("credentials_plugin:certificate", args=[certificate.uuid])),
        "image_url": absolute_url(f"{card_url}?v={card.key[:12]}"),
        "width": CARD_WIDTH,
        "height": CARD_HEIGHT,
        "alt": _("%(org)s certificate for %(course)s: %(status)s")
        % {"org": card.organization_name, "course": card.course_title, "status": card.warning.lower()},
    }


def page_language(look):
    """The certificate's language: the course's configured one, else the site's."""
    config = look.config
    return (config.language if config and config.language else translation.get_language()) or "en"
