"""
The unsigned Open Badges 3.0 credentials (VC Data Model 2.0) of course certificates and program
credentials. Every term used here is defined by the two contexts below; the signer refuses any
that is not (an undefined term would be dropped by canonicalization, and so go unsigned).
"""

from __future__ import annotations

import hashlib
import secrets

from django.utils.translation import gettext as _

from credentials_plugin.certificates.looks import course_look
from credentials_plugin.core.links import absolute_url
from credentials_plugin.models import Organization
from credentials_plugin.vc.contexts import CREDENTIALS_V2, OPEN_BADGES_V3
from credentials_plugin.vc.did import issuer_did
from credentials_plugin.vc.proofs import xsd_datetime
from credentials_plugin.vc.status_lists import status_entry

CONTEXTS = [CREDENTIALS_V2, OPEN_BADGES_V3]
# Values of Open Badges 3.0's AchievementType enumeration.
COURSE_ACHIEVEMENT_TYPE = "Course"
PROGRAM_ACHIEVEMENT_TYPE = "LearningProgram"


def course_credential_document(certificate, signed_credential, *, look=None) -> dict:
    """
    The OpenBadgeCredential of a course certificate, from its stored snapshots and its course's
    look (LOOK when the caller has read it: its configuration and branding).
    """
    course_key = certificate.course_key
    look = look or course_look(course_key)
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    organization = look.branding.display_name or course_key.org
    achievement_id = absolute_url(f"/courses/{course_key}/about")
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": COURSE_ACHIEVEMENT_TYPE,
        "name": title,
        "description": _("%(course)s, a course offered by %(org)s.") % {"course": title, "org": organization},
        "criteria": {"narrative": course_criteria(config)},
    }
    subject = _subject(certificate.learner_name, certificate.user.email)
    if config and config.show_grade and certificate.percent_grade is not None:
        grade_id = f"{achievement_id}#grade"
        achievement["resultDescription"] = [
            {
                "id": grade_id,
                "type": ["ResultDescription"],
                "name": _("Final grade"),
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ]
        subject["result"] = [{"type": ["Result"], "resultDescription": grade_id, "value": _percent(certificate)}]
    subject["achievement"] = achievement
    return _credential(
        signed_credential,
        name=title,
        organization=organization,
        subject=subject,
        valid_from=certificate.issued_at,
        valid_until=certificate.expires_at,
    )


def program_credential_document(program_credential, signed_credential) -> dict:
    """The OpenBadgeCredential of a program credential."""
    program = program_credential.program
    organizations = list(program.organizations or [])
    organization = organization_name(organizations[0]) if organizations else absolute_url("/")
    requirements = program.requirements.prefetch_related("course_runs")
    narrative = _("Earn a course certificate for each requirement of the program: %(list)s.") % {
        "list": "; ".join(_requirement_text(requirement) for requirement in requirements)
    }
    description = program.description or _("%(program)s, a program offered by %(org)s.") % {
        "program": program.title,
        "org": organization,
    }
    subject = _subject(program_credential.learner_name, program_credential.user.email)
    subject["achievement"] = {
        "id": f"urn:uuid:{program.uuid}",
        "type": ["Achievement"],
        "achievementType": PROGRAM_ACHIEVEMENT_TYPE,
        "name": program.title,
        "description": description,
        "criteria": {"narrative": narrative},
    }
    return _credential(
        signed_credential,
        name=program.title,
        organization=organization,
        subject=subject,
        valid_from=program_credential.issued_at,
        valid_until=None,
    )


def organization_name(short_name):
    """The organization's display name, else its short name."""
    name = Organization.objects.filter(short_name=short_name).values_list("display_name", flat=True).first()
    return name or short_name


def identity_hash(email, salt):
    """Open Badges' salted hash of an identity: "sha256$" and the hex SHA-256 of the identity then the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _credential(signed_credential, *, name, organization, subject, valid_from, valid_until):
    document = {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{signed_credential.uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": issuer_did(), "type": ["Profile"], "name": organization, "url": absolute_url("/")},
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
        "credentialStatus": status_entry(signed_credential),
    }
    if valid_until is not None:
        document["validUntil"] = xsd_datetime(valid_until)
    return document


def _subject(learner_name, email):
    """The subject: the learner's name and a salted hash of their email (a new salt per credential)."""
    salt = secrets.token_hex(16)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ],
    }
    if learner_name:
        subject["name"] = learner_name
    return subject


def course_criteria(config):
    if config and config.minimum_grade is not None:
        text = _("Complete the course with a passing grade of at least %(grade)s, in a track that earns certificates.")
        text %= {"grade": f"{config.minimum_grade:.0%}"}
    else:
        text = _("Complete the course with a passing grade, in a track that earns certificates.")
    if config and config.id_verification_required:
        text += " " + _("The learner's identity was verified.")
    return text


def _percent(certificate):
    """The grade as the certificate page shows it, in percent without the sign ("91")."""
    return f"{certificate.percent_grade:.0%}".rstrip("%")


def _requirement_text(requirement):
    courses = ", ".join(sorted({str(run.course_key) for run in requirement.course_runs.all()}))
    if requirement.choose > 1:
        courses = _("%(count)s of %(courses)s") % {"count": requirement.choose, "courses": courses}
    return f"{requirement.title} ({courses})" if requirement.title else courses
