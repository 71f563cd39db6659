"""
The learner record: the signed-in learner's own page, its CSV and JSON downloads, the share links
they make and revoke (POST, with CSRF), and the record as shared through such a link.

Thin views: ``credentials_plugin.records.learner_record`` reads the record and changes share links.
"""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from credentials_plugin.core.links import absolute_url
from credentials_plugin.core.types import Cause
from credentials_plugin.engagement import reading
from credentials_plugin.records import learner_record
from credentials_plugin.statuses import CauseKind
from credentials_plugin.vc.wallet_issuance import wallet_copies
from credentials_plugin.web.presentation import text_direction
from credentials_plugin.web.rendering import render
from credentials_plugin.web.wallet import wallet_copy_rows

SOURCE = "credentials_plugin.record_page"


def _signed_in(view):
    """The signed-in learner only; anyone else goes to the login page, and back here after it."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return wrapper


def _page(template, context, status=200):
    language = translation.get_language() or "en"
    context = {"language": language, "text_direction": text_direction(language), **context}
    return HttpResponse(render([f"credentials_plugin/{template}"], context), status=status)


@require_safe
@_signed_in
def record_page(request):
    """Everything the learner holds, in every status, with their share links."""
    record = learner_record.learner_record(request.user.pk)
    return _page(
        "record.html",
        {
            "record": record,
            "wallet_offer_links": [
                {"url": f"{row.url}wallet/", "title": row.title}
                for row in record.certificates
                if row.state == "awarded"
            ],
            # The owner's own counts ("viewed 12 times, verified 3 times"); a shared record shows none.
            "engagement": reading.totals_by_uuid([row.certificate_uuid for row in record.certificates]),
            "share_links": [_share_link(link) for link in learner_record.active_share_links(request.user.pk)],
            "messages": list(messages.get_messages(request)),
            "csrf_token": get_token(request),
            "csv_url": reverse("credentials_plugin:record_csv"),
            "json_url": reverse("credentials_plugin:record_json"),
            "create_url": reverse("credentials_plugin:record_share_create"),
            "wallet_copies": wallet_copy_rows(wallet_copies(user_id=request.user.pk)),
        },
    )


def _share_link(link):
    return {
        "created": link.created,
        "address": absolute_url(reverse("credentials_plugin:shared_record", args=[link.uuid])),
        "revoke_url": reverse("credentials_plugin:record_share_revoke", args=[link.uuid]),
    }


@require_safe
@_signed_in
def record_csv(request):
    """The learner's record as a spreadsheet-safe CSV file."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="record.csv"'
    csv.writer(response).writerows(learner_record.csv_rows(learner_record.learner_record(request.user.pk)))
    return response


@require_safe
@_signed_in
def record_json(request):
    """The learner's record as JSON (the same rows as the page and the REST API)."""
    response = JsonResponse(
        learner_record.as_json(learner_record.learner_record(request.user.pk)), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="record.json"'
    return response


@require_POST
@_signed_in
def share_link_create(request):
    """Make a new link to the learner's record."""
    try:
        learner_record.create_share_link(request.user.pk, cause=_cause(request))
    except learner_record.ShareLinkError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Share link created. Anyone with it can see your awarded credentials."))
    return HttpResponseRedirect(reverse("credentials_plugin:record"))


@require_POST
@_signed_in
def share_link_revoke(request, share_uuid):
    """Revoke one of the learner's own links (another learner's is a 404, and nothing changes)."""
    try:
        learner_record.revoke_share_link(request.user.pk, share_uuid, cause=_cause(request))
    except learner_record.ShareLinkError:
        return _not_found()
    messages.success(request, _("Share link revoked: it no longer opens your record."))
    return HttpResponseRedirect(reverse("credentials_plugin:record"))


def _cause(request):
    return Cause(kind=CauseKind.API, actor_id=request.user.pk, source=SOURCE)


@require_safe
def shared_record_page(request, share_uuid):
    """A record as its learner shared it: awarded credentials and progress, no username or email."""
    owner = learner_record.shared_record_owner(share_uuid)
    if owner is None:
        return _not_found()
    record = learner_record.learner_record(owner, shared=True)
    json_url = reverse("credentials_plugin:shared_record_json", args=[share_uuid])
    response = _page("record_shared.html", {"record": record, "json_url": json_url})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def shared_record_json(request, share_uuid):
    """The shared record as JSON."""
    owner = learner_record.shared_record_owner(share_uuid)
    if owner is None:
        return JsonResponse({"detail": _("No shared record at this address.")}, status=404)
    response = JsonResponse(learner_record.as_json(learner_record.learner_record(owner, shared=True)))
    response["X-Robots-Tag"] = "noindex"
    return response


def _not_found():
    return _page("record_not_found.html", {}, status=404)
