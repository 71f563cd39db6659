"""The eligibility rules, tested directly (no database)."""

from decimal import Decimal

import pytest
from django.test import override_settings

from credentials_plugin.backends.base import Enrollment
from credentials_plugin.certificates.rules import Situation, decide, eligible_modes
from credentials_plugin.core.validation import validate_configuration
from credentials_plugin.data import CourseConfigurationData
from tests.conftest import COURSE


def config(**overrides):
    values = {
        "course_key": COURSE,
        "enabled": True,
        "eligible_modes": (),
        "minimum_grade": None,
        "id_verification_required": False,
        "availability": "immediately",
        "available_date": None,
        "show_grade": False,
        "on_grade_drop": "not_passing",
        "title_override": "",
        "language": "",
        "validity_days": None,
    }
    values.update(overrides)
    return CourseConfigurationData(**values)


def situation(**overrides):
    values = {
        "config": config(),
        "current_status": None,
        "enrollment": Enrollment(mode="verified", is_active=True),
        "is_passing": True,
        "percent_grade": Decimal("0.8"),
        "is_allowlisted": lambda: False,
        "is_id_verified": lambda: True,
    }
    values.update(overrides)
    return Situation(**values)


def never_asked():
    raise AssertionError("this fact should not be needed")


def test_a_passing_learner_in_an_eligible_mode_is_awarded():
    assert decide(situation()).new_status == "awarded"


def test_certificates_are_off_until_configured_and_enabled():
    assert decide(situation(config=None)).new_status is None
    assert decide(situation(config=config(enabled=False))).new_status is None


@pytest.mark.parametrize("mode", ["audit", "honor"])
def test_audit_never_and_honor_only_by_setting(mode):
    assert decide(situation(enrollment=Enrollment(mode=mode, is_active=True))).new_status is None


@override_settings(CREDENTIALS_PLUGIN_HONOR_CERTIFICATES=True)
def test_honor_earns_when_the_site_allows_it():
    assert decide(situation(enrollment=Enrollment(mode="honor", is_active=True))).new_status == "awarded"
    assert "audit" not in eligible_modes(config(eligible_modes=("audit", "verified")))


def test_a_course_can_name_its_own_modes():
    course = config(eligible_modes=("professional",))
    assert decide(situation(config=course)).new_status is None
    professional = Enrollment(mode="professional", is_active=True)
    assert decide(situation(config=course, enrollment=professional)).new_status == "awarded"


def test_an_inactive_enrollment_earns_nothing():
    assert decide(situation(enrollment=Enrollment(mode="verified", is_active=False))).new_status is None
    assert decide(situation(enrollment=None)).new_status is None


def test_minimum_grade_is_required_on_top_of_passing():
    course = config(minimum_grade=Decimal("0.85"))
    below = decide(situation(config=course, percent_grade=Decimal("0.84")))
    assert below.new_status is None
    assert "minimum" in below.reason
    assert decide(situation(config=course, percent_grade=None)).new_status is None
    assert decide(situation(config=course, percent_grade=Decimal("0.85"))).new_status == "awarded"


def test_id_verification_required_gives_unverified_until_verified():
    course = config(id_verification_required=True)
    assert decide(situation(config=course, is_id_verified=lambda: False)).new_status == "unverified"
    promoted = decide(situation(config=course, current_status="unverified"))
    assert promoted.new_status == "awarded"


def test_allowlist_overrides_the_grade_but_is_asked_only_when_it_matters():
    assert decide(situation(is_passing=False, is_allowlisted=lambda: True)).new_status == "awarded"
    assert decide(situation(is_allowlisted=never_asked)).new_status == "awarded"


def test_a_grade_drop_follows_the_course_policy():
    assert decide(situation(current_status="awarded", is_passing=False)).new_status == "not_passing"
    keep = config(on_grade_drop="keep")
    assert decide(situation(config=keep, current_status="awarded", is_passing=False)).new_status is None
    allowlisted = situation(current_status="awarded", is_passing=False, is_allowlisted=lambda: True)
    assert decide(allowlisted).new_status is None


def test_a_held_certificate_is_not_taken_away_for_an_enrollment_change():
    downgraded = situation(current_status="awarded", enrollment=Enrollment(mode="audit", is_active=True))
    assert decide(downgraded).new_status is None


def test_a_revocation_stands_until_reinstated():
    assert decide(situation(current_status="revoked")).new_status is None
    assert decide(situation(current_status="revoked"), reinstating=True).new_status == "awarded"
    failing = situation(current_status="revoked", is_passing=False)
    assert decide(failing, reinstating=True).new_status == "not_passing"


def test_not_passing_becomes_awarded_again_when_passing_again():
    assert decide(situation(current_status="not_passing")).new_status == "awarded"
    assert decide(situation(current_status="awarded")).new_status is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"eligible_modes": ["audit"]}, "eligible_modes"),
        ({"eligible_modes": "verified"}, "eligible_modes"),
        ({"minimum_grade": Decimal("1.5")}, "minimum_grade"),
        ({"availability": "date", "available_date": None}, "available_date"),
        ({"validity_days": 0}, "validity_days"),
        ({"validity_days": 36_501}, "validity_days"),
    ],
)
def test_invalid_configurations_name_the_field(overrides, field):
    assert field in validate_configuration(config(**overrides))


def test_a_valid_configuration_has_no_errors():
    assert validate_configuration(config(eligible_modes=["verified"], minimum_grade=Decimal("0.5"))) == {}
