"""
Translations: the catalogs cover every message (Spanish completely), keep every placeholder, are
compiled as committed, and the pages speak the certificate's or the learner's language (Arabic
right to left).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client, override_settings
from django.utils import translation

from credentials_plugin import api
from credentials_plugin.certificates.allowlist import parse_csv
from credentials_plugin.models import CourseCertificate
from tests.conftest import COURSE, WITH_LOCALE_MIDDLEWARE, send_enrollment, send_grade, send_passing

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "credentials_plugin" / "locale"
# %(name)s, %s and %% (Python), {name} (str.format)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd%]|\{\w*\}")


def catalog(lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


def extracted():
    with open(LOCALE / "django.pot", "rb") as pot:
        return [message for message in read_po(pot) if message.id]


def forms(value):
    return list(value) if isinstance(value, tuple) else [value]


def test_the_committed_template_and_compiled_catalogs_are_up_to_date():
    command = [shutil.which("bash"), "scripts/messages.sh", "--check"]
    result = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)  # noqa: S603 (our script)
    assert result.returncode == 0, result.stdout + result.stderr


def test_spanish_translates_every_extracted_message():
    spanish = catalog("es")
    missing = [message.id for message in extracted() if not all(forms((spanish.get(message.id) or message).string))]
    fuzzy = [message.id for message in spanish if message.id and message.fuzzy]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_translations_keep_every_placeholder(lang):
    for message in catalog(lang):
        if not message.id:
            continue
        wanted = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
        for translated in forms(message.string):
            if translated:  # untranslated Arabic falls back to English
                assert sorted(PLACEHOLDER.findall(translated)) == wanted, (message.id, translated)


def earn(learner, clock, **config):
    api.configure_course(COURSE, enabled=True, **config)
    send_enrollment(learner, time=clock.tick())
    send_grade(learner, percent=0.9, time=clock.tick())
    send_passing(learner, time=clock.tick())
    return CourseCertificate.objects.get(user=learner, course_key=COURSE)


@pytest.mark.django_db
def test_a_course_in_spanish_renders_its_certificate_in_spanish(make_learner, clock):
    certificate = earn(make_learner(enroll=False), clock, language="es")

    html = Client().get(f"/credentials/certificates/{certificate.uuid}/").content.decode()

    assert '<html lang="es" dir="ltr">' in html
    for text in ("Certificado de logro", "Se certifica que", "ha completado con éxito", "ID del certificado"):
        assert text in html
    assert "Certificate of achievement" not in html


@pytest.mark.django_db
def test_a_course_in_arabic_renders_right_to_left_in_arabic_and_so_does_its_not_valid_page(make_learner, clock):
    certificate = earn(make_learner(enroll=False), clock, language="ar")
    client = Client()

    html = client.get(f"/credentials/certificates/{certificate.uuid}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "شهادة إنجاز" in html and "تشهد هذه الوثيقة بأنّ" in html

    api.revoke_certificate(certificate.uuid, reason="Duplicate account")
    response = client.get(f"/credentials/certificates/{certificate.uuid}/")
    html = response.content.decode()
    assert response.status_code == 410 and 'dir="rtl"' in html and "هذه الشهادة غير صالحة" in html


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="ar")
def test_the_not_found_page_speaks_the_sites_language():
    response = Client().get("/credentials/certificates/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert 'dir="rtl"' in response.content.decode() and "لم يُعثر على الشهادة" in response.content.decode()


# The record page speaks the request's language, as the LMS's LocaleMiddleware (and its
# user-preference middleware before it) set it (conftest.WITH_LOCALE_MIDDLEWARE).


@pytest.mark.django_db
@override_settings(MIDDLEWARE=WITH_LOCALE_MIDDLEWARE)
def test_the_record_page_speaks_the_learners_language(make_learner, clock):
    learner = make_learner(enroll=False)
    earn(learner, clock)
    client = Client()
    client.force_login(learner)

    spanish = client.get("/credentials/records/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/credentials/records/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="es"' in spanish
    for text in ("Certificados de curso", "Descargar como CSV", "Compartir su registro", "Otorgado"):
        assert text in spanish and text not in english
    assert "Course certificates" in english


@pytest.mark.django_db
def test_python_messages_follow_the_active_language():
    expected = "línea 1 (nobody-here): Ningún estudiante tiene este nombre de usuario o correo electrónico."
    with translation.override("es"):
        _, errors = parse_csv("nobody-here\n", COURSE)
        assert str(errors[0]) == expected
