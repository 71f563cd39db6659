"""
Engagement over HTTP: counting a public request (a decorator, a helper), the counted share
redirect, the staff page with a course's totals and its chart (server-rendered SVG, no script).
"""

from __future__ import annotations

import re
from functools import wraps
from uuid import UUID

from django.http import Http404, HttpResponseRedirect
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from credentials_plugin.certificates.looks import certificate_state, course_look
from credentials_plugin.engagement import counting, reading
from credentials_plugin.models import CourseCertificate, EngagementCount
from credentials_plugin.statuses import CertificateStatus
from credentials_plugin.web.presentation import SHARE_NETWORKS, certificate_share_links, page_language

Kind = EngagementCount.Kind
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SHARE_KINDS = {
    "linkedin": Kind.SHARE_LINKEDIN,
    "x": Kind.SHARE_X,
    "facebook": Kind.SHARE_FACEBOOK,
    "email": Kind.SHARE_EMAIL,
}


def count_request(request, subject_uuid, kind):
    """Count KIND for SUBJECT_UUID (a UUID, or text holding one) when REQUEST is a person's GET or POST."""
    if not isinstance(subject_uuid, UUID):
        match = UUID_PATTERN.search(str(subject_uuid or ""))
        if match is None:
            return
        subject_uuid = UUID(match.group(0))
    counting.count(subject_uuid, kind, user_agent=request.META.get("HTTP_USER_AGENT", ""))


def counted(kind):
    """Count KIND for the view's ``certificate_uuid`` when it answers a GET with 200 (nothing is stored now)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if request.method == "GET" and response.status_code == 200:
                count_request(request, kwargs.get("certificate_uuid"), kind)
            return response

        return wrapper

    return decorator


class ShareRedirect(HttpResponseRedirect):
    allowed_schemes = ["https", "http", "mailto"]


@require_safe
@never_cache
def certificate_share(request, certificate_uuid, network):
    """Count a share click by network, then send the browser on to the network (only for a public certificate)."""
    if network not in SHARE_NETWORKS:
        raise Http404("No such network.")
    certificate = CourseCertificate.objects.filter(
        uuid=certificate_uuid, status=CertificateStatus.AWARDED, retired_at__isnull=True
    ).first()
    if certificate is None:
        raise Http404("No such certificate.")
    look = course_look(certificate.course_key)
    if certificate_state(certificate, look).kind != "awarded":
        raise Http404("This certificate is not public.")
    with translation.override(page_language(look)):
        destination = certificate_share_links(certificate, look)[network]
    if request.method == "GET":
        count_request(request, certificate_uuid, SHARE_KINDS[network])
    return ShareRedirect(destination)


# ---------------------------------------------------------------------------
# The staff chart
# ---------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 640, 200, 12, 28, 36


def chart(days):
    """
    The bars of a chart of views and verifications per day, as plain numbers for the SVG template:
    each day's two bars (x, y, height), the scale's top value and a few date labels.
    """
    peak = max([1, *(max(day.totals.views, day.totals.verifications) for day in days)])
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / max(1, len(days))
    bar = max(1.0, slot * 0.4)
    bars, labels = [], []
    for index, day in enumerate(days):
        x = CHART_LEFT + index * slot
        for offset, (kind, value) in enumerate(
            (("views", day.totals.views), ("verifications", day.totals.verifications))
        ):
            height = plot_height * value / peak
            bars.append(
                {
                    "kind": kind,
                    "x": round(x + offset * bar, 1),
                    "y": round(CHART_TOP + plot_height - height, 1),
                    "width": round(bar, 1),
                    "height": round(height, 1),
                    "title": _("%(date)s: %(count)s %(what)s")
                    % {
                        "date": formats.date_format(day.day, "SHORT_DATE_FORMAT"),
                        "count": value,
                        "what": _("views") if kind == "views" else _("verifications"),
                    },
                }
            )
        if index % max(1, len(days) // 5) == 0:
            labels.append({"x": round(x, 1), "text": formats.date_format(day.day, "M j")})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "left": CHART_LEFT,
        "top": CHART_TOP,
        "peak": peak,
        "bars": bars,
        "labels": labels,
        "label_y": CHART_HEIGHT - 8,
    }


def staff_engagement_context(course_key, days=30):
    """What the staff engagement page shows: the course's totals, a table of its days, and the chart."""
    series = reading.course_days(course_key, days=days)
    return {
        "totals": reading.course_totals(course_key),
        "days": [
            {
                "date": formats.date_format(day.day, "SHORT_DATE_FORMAT"),
                "views": day.totals.views,
                "verifications": day.totals.verifications,
                "shares": day.totals.shares,
                "downloads": day.totals.downloads,
            }
            for day in reversed(series)
            if day.totals.by_kind
        ],
        "chart": chart(series),
        "period_days": len(series),
        "kinds": [(kind.label, kind.value) for kind in Kind],
    }
