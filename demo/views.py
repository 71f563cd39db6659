"""
The demo host's own pages: its front door (what to look at, with the sign-ins) and a sign-out
that works like the LMS's (a link, ``/logout``), since the plugin's pages link to it.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from credentials_plugin import api
from credentials_plugin.models import RecordShareLink
from demo.management.commands import seed_demo as seed

GRADUATE = seed.username_for(*seed.PROGRAM_GRADUATE)
HALF_WAY = seed.username_for(*seed.PROGRAM_HALF_WAY)
REVOKED = seed.username_for(*seed.REVOKED)
REGRADED = seed.username_for(*seed.REGRADED)
WITH_GRADE = seed.username_for("Fatima", "El Idrissi")
NOT_YET_PUBLIC = seed.username_for("Yusuf", "Demir")


@dataclass(frozen=True)
class Stop:
    """One thing to look at: what it is, its path on this host, and what to notice."""

    label: str
    path: str
    note: str = ""


@require_safe
def index(request):
    """What to look at in the demo, with whom to sign in as; how to seed it when it is empty."""
    usernames = ["staff", GRADUATE, HALF_WAY, REVOKED, REGRADED, WITH_GRADE, NOT_YET_PUBLIC]
    users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
    context = {
        "seeded": "staff" in users,
        "sections": _sections(users) if "staff" in users else [],
        "staff_password": seed.DEFAULT_PASSWORD,
        "learner_password": seed.LEARNER_PASSWORD,
        "graduate": GRADUATE,
        "half_way": HALF_WAY,
    }
    return render(request, "demo/index.html", context)


@require_http_methods(["GET", "POST"])
def sign_out(request):
    """Sign out and come back to the front door."""
    logout(request)
    return redirect("demo_index")


def _path(url):
    """The path of one of the plugin's absolute URLs: the links then work on any host and port."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _sections(users):
    def certificate(username, course):
        user = users.get(username)
        found = api.get_course_certificate(user.id, course.key) if user else None
        return found.uuid if found else None

    def certificate_page(uuid):
        return reverse("credentials_plugin:certificate", args=[uuid]) if uuid else ""

    def staff_page(name, *args):
        return reverse(f"credentials_plugin:{name}", args=[seed.PYTHON.key, *args])

    def verify(uuid):
        return f"{reverse('credentials_plugin:verify')}?certificate={uuid}" if uuid else ""

    graduate = users.get(GRADUATE)
    awarded, revoked = certificate(GRADUATE, seed.PYTHON), certificate(REVOKED, seed.PYTHON)
    programs = api.get_program_credentials_for_user(graduate.id) if graduate else []
    share = RecordShareLink.objects.filter(user=graduate, revoked_at__isnull=True).first() if graduate else None
    return [
        (
            "Certificates",
            "Public pages: anyone with the link sees them, without signing in.",
            [
                Stop("A certificate", certificate_page(awarded), f"Amara Okafor, {seed.PYTHON.name}"),
                Stop(
                    "A certificate with its grade",
                    certificate_page(certificate(WITH_GRADE, seed.DATA)),
                    f"Fatima El Idrissi, {seed.DATA.name}",
                ),
                Stop("A revoked certificate", certificate_page(revoked), "Mateo García: 410 Gone, saying since when"),
                Stop(
                    "No longer passing",
                    certificate_page(certificate(REGRADED, seed.PYTHON)),
                    "Chloé Dubois, after a regrade: 410 Gone",
                ),
                Stop(
                    "Not public yet",
                    certificate_page(certificate(NOT_YET_PUBLIC, seed.CLOUD)),
                    f"Yusuf Demir, {seed.CLOUD.name}: not found for the public until its date; staff see it",
                ),
            ],
        ),
        (
            "A program",
            f"{seed.PROGRAM_TITLE}: {seed.PYTHON.name} and {seed.DATA.name}.",
            [Stop("Amara Okafor's program certificate", _path(programs[0].public_url) if programs else "")],
        ),
        (
            "Learner records",
            "The own record needs a sign-in as a learner; a shared one opens for anyone.",
            [
                Stop("My learner record", reverse("credentials_plugin:record"), "Sign in as Amara or Lucas"),
                Stop(
                    "Amara Okafor's shared record",
                    reverse("credentials_plugin:shared_record", args=[share.uuid]) if share else "",
                    "What her share link shows: no email, no username",
                ),
            ],
        ),
        (
            "Staff pages",
            f"The certificate management of {seed.PYTHON.name}: sign in as staff.",
            [
                Stop("Overview and configuration", staff_page("staff_overview")),
                Stop("Certificates", staff_page("staff_certificates"), "Search, filter, download as CSV"),
                Stop("One learner", staff_page("staff_learner", REVOKED), "Mateo García, revoked"),
                Stop("History", staff_page("staff_history"), "Every change: its cause, who made it, why"),
                Stop("Preview", staff_page("certificate_preview"), "The certificate with sample data"),
                Stop("Django admin", reverse("admin:index"), "Every model; the audit trail read-only"),
            ],
        ),
        (
            "Verify",
            "Anyone can check a credential: by its ID or address, pasted, or as a file.",
            [
                Stop("The verify page", reverse("credentials_plugin:verify")),
                Stop("Verify Amara's certificate", verify(awarded)),
                Stop("Verify the revoked one", verify(revoked)),
                Stop(
                    "A signed credential (JSON)",
                    reverse("credentials_plugin:certificate_credential", args=[awarded]) if awarded else "",
                    "Download it, then paste or upload it on the verify page",
                ),
            ],
        ),
    ]
