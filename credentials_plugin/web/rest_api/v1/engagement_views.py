"""
Engagement counts over the API: ``certificates/<uuid>/engagement/`` (the learner who holds it, or
its course's staff) and ``courses/<course_key>/engagement/`` (the course's staff): totals, and for a
course its days. Numbers only: who viewed or verified is never known, so never served.
"""

from rest_framework import serializers
from rest_framework.response import Response

from credentials_plugin.core.limits import MAX_ENGAGEMENT_DAYS
from credentials_plugin.engagement import reading
from credentials_plugin.models import EngagementCount
from credentials_plugin.web.rest_api.v1.views import CertificateView, CourseView


class TotalsSerializer(serializers.Serializer):
    views = serializers.IntegerField(help_text="Views of the public page (crawlers not counted).")
    shares = serializers.IntegerField(help_text="Clicks on the page's share buttons, every network.")
    downloads = serializers.IntegerField(help_text="Downloads of the signed credential.")
    verifications = serializers.IntegerField(help_text="Verifications on the verify page and through the API.")
    by_kind = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Every kind counted: {', '.join(EngagementCount.Kind.values)}."
    )


class DaySerializer(TotalsSerializer):
    day = serializers.DateField()


class CourseEngagementSerializer(serializers.Serializer):
    totals = TotalsSerializer(help_text="Since counting began.")
    days = DaySerializer(many=True, help_text="Each of the last `days` days, oldest first, zeros included.")


class DaysSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=30, min_value=1, max_value=MAX_ENGAGEMENT_DAYS)


class CertificateEngagementView(CertificateView):
    """How often one certificate was viewed, shared, downloaded and verified: its holder, or its course's staff."""

    openapi = {"get": {"summary": "A certificate's engagement counts", "responses": TotalsSerializer}}
    operations = {"GET": "view"}

    def get(self, request, uuid):
        certificate = self.get_certificate()
        totals = reading.certificate_totals([certificate.pk]).get(certificate.pk, reading.Totals())
        return Response(totals.as_dict())


class CourseEngagementView(CourseView):
    """A course's engagement counts: totals since counting began, and per day."""

    openapi = {
        "get": {
            "summary": "A course's engagement counts",
            "parameters": [DaysSerializer],
            "responses": CourseEngagementSerializer,
        }
    }
    operations = {"GET": "view"}

    def get(self, request, course_key):
        days = self.validated(DaysSerializer, request.query_params)["days"]
        series = reading.course_days(course_key, days=days)
        return Response(
            {
                "totals": reading.course_totals(course_key).as_dict(),
                "days": [{"day": day.day.isoformat(), **day.totals.as_dict()} for day in series],
            }
        )
