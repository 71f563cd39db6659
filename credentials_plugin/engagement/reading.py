"""What the counts say: a certificate's totals (for its owner), a course's totals and its days (for staff)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from credentials_plugin.core.limits import MAX_ENGAGEMENT_DAYS
from credentials_plugin.models import EngagementCount

Kind = EngagementCount.Kind
SHARES = (Kind.SHARE_LINKEDIN, Kind.SHARE_X, Kind.SHARE_FACEBOOK, Kind.SHARE_EMAIL)
VERIFICATIONS = (Kind.VERIFY_PAGE, Kind.VERIFY_API)


@dataclass(frozen=True)
class Totals:
    """Counts by kind, and the four sums people read: views, shares, downloads, verifications."""

    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def views(self):
        return self.by_kind.get(Kind.VIEW, 0)

    @property
    def shares(self):
        return sum(self.by_kind.get(kind, 0) for kind in SHARES)

    @property
    def downloads(self):
        return self.by_kind.get(Kind.DOWNLOAD, 0)

    @property
    def verifications(self):
        return sum(self.by_kind.get(kind, 0) for kind in VERIFICATIONS)

    def as_dict(self):
        return {
            "views": self.views,
            "shares": self.shares,
            "downloads": self.downloads,
            "verifications": self.verifications,
            "by_kind": {kind: self.by_kind.get(kind, 0) for kind in Kind.values},
        }


@dataclass(frozen=True)
class Day:
    day: date
    totals: Totals


def certificate_totals(certificate_ids) -> dict[int, Totals]:
    """Each certificate's totals since it was first counted (missing: never counted)."""
    return _totals_by("certificate_id", certificate_ids)


def totals_by_uuid(certificate_uuids) -> dict[str, Totals]:
    """``certificate_totals`` keyed by the certificates' UUIDs (as text), for pages that know those."""
    return _totals_by("certificate__uuid", certificate_uuids, key=str)


def _totals_by(field, values, key=lambda value: value):
    """The totals of the certificates whose FIELD is among VALUES, in one query, by KEY(field)."""
    rows = (
        EngagementCount.objects.filter(**{f"{field}__in": list(values)})
        .values(field, "kind")
        .annotate(total=Sum("count"))
    )
    found = {}
    for row in rows:
        found.setdefault(key(row[field]), {})[row["kind"]] = row["total"]
    return {certificate: Totals(by_kind) for certificate, by_kind in found.items()}


def course_totals(course_key) -> Totals:
    rows = EngagementCount.objects.filter(course_key=course_key).values("kind").annotate(total=Sum("count"))
    return Totals({row["kind"]: row["total"] for row in rows})


def course_days(course_key, *, days=30, today=None) -> list[Day]:
    """The course's totals for each of the last DAYS days (at most MAX_ENGAGEMENT_DAYS), oldest first, with zeros."""
    days = max(1, min(int(days), MAX_ENGAGEMENT_DAYS))
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    rows = (
        EngagementCount.objects.filter(course_key=course_key, day__gte=first, day__lte=today)
        .values("day", "kind")
        .annotate(total=Sum("count"))
    )
    by_day: dict[date, dict[str, int]] = {}
    for row in rows:
        by_day.setdefault(row["day"], {})[row["kind"]] = row["total"]
    return [Day(first + timedelta(days=n), Totals(by_day.get(first + timedelta(days=n), {}))) for n in range(days)]
