"""
What each learner message says and how it leaves: rendered from Django templates laid out as
edx-ace expects (``credentials_plugin/edx_ace/<kind>/email/{subject.txt,head.html,body.html,body.txt}``),
in the learner's language, then handed to edx-ace in the LMS (the operator's channels, branding and
opt-out policies apply) or to Django's email backend outside it (the demo, tests).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.dates import localized_date
from credentials_plugin.core.links import absolute_url, certificate_url, program_credential_url, site_name
from credentials_plugin.core.packaging import packaged_templates_dir

APP_LABEL = "credentials_plugin"
PARTS = ("subject.txt", "head.html", "body.html", "body.txt")  # and from_name.txt, which edx-ace reads

HTML_DOCUMENT = (
    "\n".join(
        (
            "<!DOCTYPE html>",
            '<html lang="{language}" dir="{direction}">',
            "<head>",
            "{head}",
            "</head>",
            "<body>",
            "{body}",
        )
    )
    + "\n</body>\n</html>\n"
)


@dataclass(frozen=True)
class Rendered:
    """One message, rendered: its subject, its HTML document and its plain text."""

    subject: str
    html: str
    text: str


def template_name(kind, part):
    """Where edx-ace looks for PART of the message KIND (its renderer's layout)."""
    return f"{APP_LABEL}/edx_ace/{kind}/email/{part}"


@lru_cache(maxsize=8)
def _engine(theme_dirs):
    """Django's template engine over the theme folders, then the packaged templates (as edx-ace reads them)."""
    return Engine(dirs=[*theme_dirs, str(packaged_templates_dir())], app_dirs=False, autoescape=True)


def engine():
    return _engine(tuple(str(path) for path in plugin_settings.THEME_DIRS))


def compose(kind, facts):
    """
    The words of message KIND, in the active language, for the templates: subject, heading,
    paragraphs, a quoted reason, the actions (links with their words) and the footer. FACTS holds
    the names, dates and links of the credential.
    """
    course, program = facts.get("course_name", ""), facts.get("program_title", "")
    name = facts.get("learner_name", "")
    page = facts.get("page_url", "")
    view_certificate = {"url": page, "label": _("View your certificate"), "primary": True}
    words = {"quote": "", "quote_label": ""}
    if kind == "certificate_awarded":
        words.update(
            subject=_("Your certificate for %(course)s is ready") % {"course": course},
            heading=_("Congratulations, %(name)s!") % {"name": name} if name else _("Congratulations!"),
            paragraphs=[
                _("You earned a certificate in %(course)s.") % {"course": course},
                _("It has its own page: anyone you share it with can open it and check that it is genuine."),
            ],
            actions=[
                view_certificate,
                {"url": facts.get("linkedin_url", ""), "label": _("Add it to your LinkedIn profile"), "primary": False},
            ],
        )
    elif kind == "program_awarded":
        words.update(
            subject=_("You earned the %(program)s program credential") % {"program": program},
            heading=_("Congratulations, %(name)s!") % {"name": name} if name else _("Congratulations!"),
            paragraphs=[
                _("You completed every course of %(program)s. Your program credential is ready.") % {"program": program}
            ],
            actions=[{"url": page, "label": _("View your program credential"), "primary": True}],
        )
    elif kind == "certificate_revoked":
        reason = facts.get("learner_reason", "")
        words.update(
            subject=_("Your certificate for %(course)s was revoked") % {"course": course},
            heading=_("Your certificate was revoked"),
            paragraphs=[
                _("Your certificate for %(course)s was revoked on %(date)s. Its page now says that it is not valid.")
                % {"course": course, "date": localized_date(facts.get("since"))},
                _("If you think this is a mistake, contact the course team."),
            ],
            quote=reason,
            quote_label=_("The course team's reason:") if reason else "",
            actions=[],
        )
    elif kind == "certificate_not_valid":
        words.update(
            subject=_("Your certificate for %(course)s is no longer valid") % {"course": course},
            heading=_("Your certificate is no longer valid"),
            paragraphs=[
                _("Your grade in %(course)s is now below the pass mark: the certificate is no longer valid.")
                % {"course": course},
                _("It becomes valid again when your grade passes again."),
            ],
            actions=[],
        )
    elif kind == "expiring_soon":
        words.update(
            subject=_("Your certificate for %(course)s expires on %(date)s")
            % {"course": course, "date": localized_date(facts.get("expires_at"))},
            heading=_("Your certificate expires soon"),
            paragraphs=[
                _("Your certificate for %(course)s is valid until %(date)s. Its page will then say it has expired.")
                % {"course": course, "date": localized_date(facts.get("expires_at"))},
            ],
            actions=[view_certificate],
        )
    elif kind == "expired":
        words.update(
            subject=_("Your certificate for %(course)s has expired") % {"course": course},
            heading=_("Your certificate has expired"),
            paragraphs=[
                _("Your certificate for %(course)s expired on %(date)s. Its page says so, and that you earned it.")
                % {"course": course, "date": localized_date(facts.get("expires_at"))},
            ],
            actions=[view_certificate],
        )
    else:
        raise ValueError(f"No message {kind!r}.")
    words["footer"] = _(
        "You receive this message because a credential of yours changed. Your learner record lists them all."
    )
    words["record_label"] = _("Open your learner record")
    words["record_url"] = facts.get("record_url", "")
    words["platform_name"] = site_name()
    words["opt_out"] = _("To stop these emails, turn off course emails in your account settings.")
    return words


def render(kind, facts, language):
    """The message KIND in LANGUAGE, rendered by the same templates edx-ace renders in the LMS."""
    with translation.override(language):
        context = {
            **compose(kind, facts),
            "language": language,
            "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        }
        parts = {part: engine().get_template(template_name(kind, part)).render(Context(context)) for part in PARTS}
    subject = " ".join(parts["subject.txt"].split())  # one line: a header cannot hold a newline
    html = HTML_DOCUMENT.format(
        language=language, direction=context["text_direction"], head=parts["head.html"].strip(), body=parts["body.html"]
    )
    return Rendered(subject=subject, html=html, text=parts["body.txt"].strip() + "\n")


def uses_ace():
    """
    Whether messages leave through edx-ace: CREDENTIALS_PLUGIN_MESSAGE_DELIVERY "ace", or "auto"
    (the default) when edx-ace is installed as an app with channels (as in the LMS).
    """
    choice = plugin_settings.MESSAGE_DELIVERY
    if choice != "auto":
        return choice == "ace"
    return (
        "edx_ace" in settings.INSTALLED_APPS
        and bool(getattr(settings, "ACE_ENABLED_CHANNELS", None))
        and importlib.util.find_spec("edx_ace") is not None
    )


def deliver(kind, context, *, user_id, email, language, course_key=None):
    """Send the message KIND to one learner; raises when the channel refused it."""
    if uses_ace():
        _deliver_with_ace(kind, context, user_id=user_id, email=email, language=language, course_key=course_key)
        return
    rendered = render(kind, context, language)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=plugin_settings.MESSAGE_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send(fail_silently=False)


def _deliver_with_ace(kind, context, *, user_id, email, language, course_key):
    """
    Through edx-ace, as the LMS sends its own messages (a ``MessageType`` personalized for a
    ``Recipient``, then ``ace.send``). ``course_ids`` lets the LMS's ``CourseEmailOptout`` policy
    (lms/djangoapps/bulk_email/policies.py) refuse it for a learner who opted out of the course.
    """
    from edx_ace import Recipient, ace
    from edx_ace.message import MessageType

    message_type = type(kind.title().replace("_", ""), (MessageType,), {"APP_LABEL": APP_LABEL, "NAME": kind})
    with translation.override(language):  # the words are chosen here; edx-ace lays them out in its templates
        ace_context = {**compose(kind, context), "text_direction": "rtl" if translation.get_language_bidi() else "ltr"}
    ace_context.update(language=language, course_ids=[str(course_key)] if course_key else [])
    message = message_type(context=ace_context, options={"transactional": True}).personalize(
        recipient=Recipient(lms_user_id=user_id, email_address=email), language=language, user_context={}
    )
    ace.send(message)


def record_url():
    return absolute_url(reverse("credentials_plugin:record"))


def certificate_links(certificate_uuid):
    """The page, and the counted LinkedIn "Add to profile" link (which redirects to LinkedIn)."""
    return {
        "page_url": certificate_url(certificate_uuid),
        "linkedin_url": absolute_url(
            reverse("credentials_plugin:certificate_share", args=[certificate_uuid, "linkedin"])
        ),
        "record_url": record_url(),
    }


def program_links(credential_uuid):
    return {
        "page_url": program_credential_url(credential_uuid),
        "record_url": record_url(),
    }
