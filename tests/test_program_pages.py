"""
The public program credential page (awarded, revoked, unknown, themed) and the course staff's
Programs page, where program credentials are revoked and reinstated with a reason.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, CourseRoleFacts, Organization, Program, ProgramSignatory
from tests.conftest import send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db

INTRO = CourseKey.from_string("course-v1:DemoX+Intro+2026")
ADVANCED = CourseKey.from_string("course-v1:DemoX+Advanced+2026")
ELSEWHERE = CourseKey.from_string("course-v1:DemoX+Unrelated+2026")


def earn(learner, course_key, clock):
    api.configure_course(course_key, enabled=True)
    send_enrollment(learner, course_key=course_key, time=clock.tick())
    send_grade(learner, percent=0.9, course_key=course_key, time=clock.tick())
    send_passing(learner, course_key=course_key, time=clock.tick())


@pytest.fixture
def program():
    Organization.objects.create(short_name="DemoX", display_name="Demo University", linkedin_organization_id="42")
    data = api.define_program(
        title="Machine Learning Professional Certificate",
        program_type="Professional Certificate",
        organizations=["DemoX"],
        requirements=[[INTRO], [ADVANCED]],
    )
    ProgramSignatory.objects.create(
        program=Program.objects.get(uuid=data.uuid), name="Prof. Grace Hopper", title="Program Director"
    )
    return data


@pytest.fixture
def credential(make_learner, program, clock):
    learner = make_learner("graduate", enroll=False)
    learner.first_name, learner.last_name = "Amara", "Okafor"
    learner.save()
    earn(learner, INTRO, clock)
    earn(learner, ADVANCED, clock)
    [credential] = api.get_program_credentials_for_user(learner.id)
    assert credential.status == "awarded"
    return credential


def page_of(credential):
    return f"/credentials/programs/{credential.uuid}/"


# --- The public page --------------------------------------------------------------------------


def test_an_awarded_program_credential_shows_who_earned_what_with_which_courses(client, credential):
    response = client.get(page_of(credential))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Amara Okafor" in html
    assert "Machine Learning Professional Certificate" in html
    assert "Demo University" in html
    assert "Prof. Grace Hopper" in html
    assert html.count('class="program-earned-courses"') == 1
    for course_key in (INTRO, ADVANCED):
        certificate = api.get_course_certificate(credential.user_id, course_key)
        assert f"/credentials/certificates/{certificate.uuid}/" in html
    assert "https://www.linkedin.com/profile/add?" in html and "organizationId=42" in html
    assert f'<link rel="canonical" href="{credential.public_url}">' in html
    assert "Congratulations" not in html  # only the owner is congratulated


def test_the_program_page_shows_its_signed_credential_verified_and_downloadable(client, credential):
    html = client.get(page_of(credential)).content.decode()

    assert '<h2 id="credential-title">Verified</h2>' in html
    address = f"http://testserver/credentials/programs/{credential.uuid}/credential.json"
    assert f'href="{address}" download="credential-{credential.uuid}.json"' in html
    document = client.get(address).json()
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["credentialSubject"]["achievement"]["name"] == "Machine Learning Professional Certificate"

    api.revoke_program_credential(credential.uuid, reason="Academic misconduct")
    assert client.get(address).status_code == 410


def test_the_owner_is_congratulated_on_their_own_page(client, credential):
    client.force_login(get_user_model().objects.get(pk=credential.user_id))
    assert "Congratulations, \u2068Amara Okafor\u2069!" in client.get(page_of(credential)).content.decode()


def test_a_revoked_program_credential_is_a_410_page_saying_so(client, credential):
    api.revoke_program_credential(credential.uuid, reason="Academic misconduct")

    response = client.get(page_of(credential))

    html = response.content.decode()
    assert response.status_code == 410
    assert "\u2068Machine Learning Professional Certificate\u2069 was revoked on" in html
    assert "Amara Okafor" not in html


def test_an_unknown_program_credential_is_a_404_page(client, db):
    response = client.get(f"/credentials/programs/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "not found" in response.content.decode()


def test_a_program_theme_replaces_the_default_template(client, credential, program, tmp_path, settings):
    theme = tmp_path / "credentials_plugin" / "themes" / "programs" / str(program.uuid)
    theme.mkdir(parents=True)
    (theme / "program.html").write_text("<p>Themed {{ title }} for {{ learner_name }}</p>")
    settings.CREDENTIALS_PLUGIN_THEME_DIRS = [str(tmp_path)]

    html = client.get(page_of(credential)).content.decode()

    assert html == "<p>Themed Machine Learning Professional Certificate for Amara Okafor</p>"


# --- The staff Programs page ------------------------------------------------------------------


@pytest.fixture
def instructor(make_learner):
    user = make_learner("instructor_one", enroll=False)
    CourseRoleFacts.objects.create(user=user, course_key=INTRO, role="instructor")
    return user


@pytest.fixture
def course_staff(make_learner):
    user = make_learner("staff_one", enroll=False)
    CourseRoleFacts.objects.create(user=user, course_key=INTRO, role="staff")
    return user


STAFF_PROGRAMS = f"/credentials/courses/{INTRO}/programs/"


def action_url(credential, action):
    return f"{STAFF_PROGRAMS}credentials/{credential.uuid}/{action}/"


def test_course_staff_see_the_programs_of_their_course_and_the_holders(client, course_staff, credential):
    client.force_login(course_staff)

    html = client.get(STAFF_PROGRAMS).content.decode()

    assert "Machine Learning Professional Certificate" in html
    assert "graduate" in html and "Amara Okafor" in html
    assert f'action="{action_url(credential, "revoke")}"' not in html  # staff may look, not revoke


def test_an_instructor_revokes_and_reinstates_a_program_credential_with_a_reason(client, instructor, credential):
    client.force_login(instructor)
    prefix = f"revoke-{credential.uuid}"

    refused = client.post(action_url(credential, "revoke"), {f"{prefix}-reason": "   "})
    assert refused.status_code == 302
    assert api.get_program_credentials_for_user(credential.user_id)[0].status == "awarded"

    client.post(action_url(credential, "revoke"), {f"{prefix}-reason": "Shared exam answers"})
    [revoked] = api.get_program_credentials_for_user(credential.user_id)
    assert revoked.status == "revoked" and revoked.revocation_reason == "Shared exam answers"
    assert client.get(page_of(credential)).status_code == 410
    html = client.get(STAFF_PROGRAMS).content.decode()
    assert f'action="{action_url(credential, "reinstate")}"' in html

    client.post(action_url(credential, "reinstate"), {f"reinstate-{credential.uuid}-reason": "Appeal upheld"})
    assert api.get_program_credentials_for_user(credential.user_id)[0].status == "awarded"
    audited = AuditRecord.objects.filter(program_credential__uuid=credential.uuid, actor=instructor)
    assert set(audited.values_list("action", flat=True)) >= {"revoked", "reinstated"}


def test_course_staff_without_the_instructor_role_cannot_revoke(client, course_staff, credential):
    client.force_login(course_staff)
    response = client.post(action_url(credential, "revoke"), {f"revoke-{credential.uuid}-reason": "No"})
    assert response.status_code == 403
    assert api.get_program_credentials_for_user(credential.user_id)[0].status == "awarded"


def test_an_instructor_of_another_course_cannot_reach_the_credential(client, make_learner, credential):
    outsider = make_learner("outsider", enroll=False)
    CourseRoleFacts.objects.create(user=outsider, course_key=ELSEWHERE, role="instructor")
    api.configure_course(ELSEWHERE, enabled=True)
    client.force_login(outsider)
    url = f"/credentials/courses/{ELSEWHERE}/programs/credentials/{credential.uuid}/revoke/"

    response = client.post(url, {f"revoke-{credential.uuid}-reason": "Not mine to revoke"})

    assert response.status_code == 404
    assert api.get_program_credentials_for_user(credential.user_id)[0].status == "awarded"


def test_the_staff_learner_page_shows_the_learners_program_credentials(client, course_staff, credential):
    client.force_login(course_staff)
    html = client.get(f"/credentials/courses/{INTRO}/learners/graduate/").content.decode()
    assert "Program credentials" in html
    assert credential.public_url.split("testserver")[-1] in html


# --- The REST API -----------------------------------------------------------------------------

API = "/api/credentials_plugin/v1/"


def test_the_holder_reads_their_credential_but_cannot_revoke_it(client, credential):
    client.force_login(get_user_model().objects.get(pk=credential.user_id))

    assert client.get(f"{API}program-credentials/{credential.uuid}/").json()["status"] == "awarded"
    refused = client.post(
        f"{API}program-credentials/{credential.uuid}/revoke/", {"reason": "Mine"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_an_instructor_of_a_course_of_the_program_revokes_through_the_api(client, instructor, credential):
    client.force_login(instructor)
    url = f"{API}program-credentials/{credential.uuid}/revoke/"

    assert client.post(url, {"reason": " "}, content_type="application/json").status_code == 400
    response = client.post(url, {"reason": "Identity fraud"}, content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is True and body["credential"]["status"] == "revoked"
    assert client.get(page_of(credential)).status_code == 410


def test_programs_are_read_by_anyone_signed_in_and_defined_by_global_staff_only(client, make_learner, program):
    reader = make_learner("reader", enroll=False)
    client.force_login(reader)
    listed = client.get(f"{API}programs/").json()["results"]
    assert [row["title"] for row in listed] == ["Machine Learning Professional Certificate"]
    definition = {"title": "New", "requirements": [{"courses": [[str(INTRO)]]}]}
    assert client.post(f"{API}programs/", definition, content_type="application/json").status_code == 403

    admin = make_learner("admin", enroll=False)
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    created = client.post(f"{API}programs/", definition, content_type="application/json")
    assert created.status_code == 201
    assert api.get_program(created.json()["uuid"]).title == "New"
    repeated = {"title": "Twice", "requirements": [{"courses": [[str(INTRO)], [str(INTRO)]]}]}
    assert client.put(f"{API}programs/{program.uuid}/", repeated, content_type="application/json").status_code == 409
    assert api.get_program(program.uuid).title == "Machine Learning Professional Certificate"
