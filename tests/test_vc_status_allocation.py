"""
Status bits are allocated without counting a list's entries (issue #15): the open list is the
newest until the largest credential id says it may be FILL_LIMIT full; a new credential is
inserted once, signed, at an index no entry held, and the unique constraint on list and index
decides a race (the loser takes another index and signs again).
"""

import importlib
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials_plugin.models import CourseCertificate, Organization, SignedCredential, StatusList
from credentials_plugin.vc import signing, status_lists
from credentials_plugin.vc.proofs import resolve_verification_method, verify_proof
from tests.test_vc_credentials import award

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(make_learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    return [CourseCertificate.objects.get(uuid=award(make_learner(time=clock.tick()), clock).uuid) for _ in range(7)]


def sign(certificate):
    return signing.signed_credential_for_certificate(certificate)


def small_list_after(credential):
    """A status list of 8 bits whose entries begin after CREDENTIAL's id (ids never restart: SQLite's AUTOINCREMENT)."""
    return StatusList.objects.create(purpose=status_lists.PURPOSE, size=8, first_entry_id=credential.pk + 1)


def test_a_list_takes_entries_until_the_largest_id_says_it_may_be_half_full(certificates):
    small = small_list_after(sign(certificates[0]))
    placed = [sign(certificate).status_list_id for certificate in certificates[1:6]]
    assert placed[:4] == [small.pk] * 4  # its first 4 ids: at most 4 entries, half of 8
    opened = StatusList.objects.order_by("-id").first()
    assert placed[4] == opened.pk != small.pk
    assert opened.first_entry_id == SignedCredential.objects.filter(status_list=small).order_by("-id").first().pk + 1
    assert sign(certificates[6]).status_list_id == opened.pk
    assert SignedCredential.objects.filter(status_list=small).count() == 4


def test_skipped_ids_only_close_a_list_early(certificates):
    small = small_list_after(sign(certificates[0]))
    sign(certificates[1])
    # As if the 9 ids after the list's first had been skipped (failed inserts).
    SignedCredential.objects.filter(status_list=small).update(id=small.first_entry_id + 9)
    assert sign(certificates[2]).status_list_id != small.pk
    assert SignedCredential.objects.filter(status_list=small).count() == 1


def test_an_index_taken_meanwhile_is_given_up_and_the_credential_signed_again_at_another(certificates, monkeypatch):
    first = sign(certificates[0])
    chosen = []
    original = signing.new_entry

    def racing(read=None, **owner):  # the first index offered is the one another process just took
        entry = original(read, **owner)
        if not chosen:
            entry.status_list_id, entry.status_index = first.status_list_id, first.status_index
        chosen.append(entry.status_index)
        return entry

    monkeypatch.setattr(signing, "new_entry", racing)
    second = sign(certificates[1])
    assert chosen[0] == first.status_index and len(chosen) == 2
    assert second.status_index == chosen[1] != first.status_index
    assert SignedCredential.objects.filter(certificate=certificates[1]).count() == 1
    document = json.loads(SignedCredential.objects.get(pk=second.pk).document)
    assert document["credentialStatus"]["statusListIndex"] == str(second.status_index)
    assert verify_proof(document, resolve_verification_method).ok


def test_the_migration_gives_each_list_its_first_entry(certificates):
    lists = [StatusList.objects.create(purpose=status_lists.PURPOSE) for _ in range(3)]
    signed = [sign(certificate) for certificate in certificates[:3]]
    SignedCredential.objects.filter(pk=signed[2].pk).update(status_list=lists[0])
    StatusList.objects.update(first_entry_id=0)
    migration = importlib.import_module("credentials_plugin.migrations.0014_status_list_first_entry")
    migration.first_entries(apps, None)
    first = dict(StatusList.objects.values_list("id", "first_entry_id"))
    in_newest = [credential.pk for credential in signed if credential.status_list_id == lists[2].pk]
    assert first[lists[0].pk] == signed[2].pk
    assert first[lists[2].pk] == min(in_newest)
    assert first[lists[1].pk] == max(credential.pk for credential in signed) + 1  # no entry: the next id


def _statement_kinds(queries):
    return [" ".join(query["sql"].split()[:2]).upper() for query in queries.captured_queries]


def test_a_first_signing_is_five_statements_and_one_more_when_the_caller_had_not_looked(certificates):
    sign(certificates[0])  # the open list exists, as on any site past its first credential
    loaded = CourseCertificate.objects.select_related("user").filter(pk__in=[c.pk for c in certificates[1:3]])
    second, third = loaded.order_by("pk")  # as the credential's page loads it: with its learner
    with CaptureQueriesContext(connection) as queries:
        signed = signing.signed_credential_for_certificate(second, none_stored=True)
    kinds = _statement_kinds(queries)
    # The test's own transaction makes this one a savepoint (BEGIN and COMMIT otherwise): the lock,
    # the newest credential read with the open list and a free index of it, the insert. On SQLite
    # the insert needs no savepoint of its own: a failed one undoes only itself.
    assert len(kinds) == 5, kinds
    assert kinds[0].startswith("SAVEPOINT") and kinds[-1].startswith("RELEASE")
    assert [kind.split()[0] for kind in kinds[1:-1]] == ["SELECT", "SELECT", "INSERT"]
    assert SignedCredential.objects.get(certificate=certificates[1]).pk == signed.pk

    with CaptureQueriesContext(connection) as queries:
        again = sign(third)  # without none_stored: it looks for a stored credential first
    assert len(queries) == 6
    quote = connection.ops.quote_name
    assert (
        _statement_kinds(queries)[0] == f"SELECT {quote('credentials_plugin_signedcredential')}.{quote('id')},".upper()
    )
    document = json.loads(SignedCredential.objects.get(pk=again.pk).document)
    assert verify_proof(document, resolve_verification_method).ok


def test_a_first_signing_after_the_caller_found_none_still_finds_one_signed_meanwhile(certificates):
    first = sign(certificates[0])
    # A caller that found none a moment ago, while another request signed it: the read under the lock sees it.
    assert signing.signed_credential_for_certificate(certificates[0], none_stored=True).pk == first.pk
    assert SignedCredential.objects.filter(certificate=certificates[0]).count() == 1


def test_the_index_read_with_the_newest_credential_is_the_first_candidate_no_entry_holds(certificates, monkeypatch):
    first = sign(certificates[0])
    real = status_lists._candidates
    drawn = [[first.status_index, 77]]  # what the next signing's one read draws: a held index, then a free one
    monkeypatch.setattr(status_lists, "_candidates", lambda size: drawn.pop(0) if drawn else real(size))
    assert sign(certificates[1]).status_index == 77

    held = [first.status_index, 77]
    drawn.append(held)  # every candidate held: the list is read again with new candidates
    third = sign(certificates[2])
    assert third.status_list_id == first.status_list_id and third.status_index not in held
    in_list = SignedCredential.objects.filter(status_list_id=first.status_list_id)
    assert sorted(in_list.values_list("status_index", flat=True)) == sorted([*held, third.status_index])


def test_the_first_get_of_credential_json_reads_the_credential_once_before_signing(client, certificates):
    sign(certificates[0])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/credentials/certificates/{certificates[1].uuid}/credential.json")
    assert response.status_code == 200
    tables = [query["sql"].split(" FROM ")[1].split()[0] if " FROM " in query["sql"] else "" for query in queries]
    # served_credential's one read (none to serve), the certificate, then the signing: its lock,
    # its one read (newest credential, list, free index), its insert. No second look for a stored one.
    assert len(queries) == 7, [query["sql"][:80] for query in queries]
    quote = connection.ops.quote_name
    credentials, certificates_table = (
        quote("credentials_plugin_signedcredential"),
        quote("credentials_plugin_coursecertificate"),
    )
    assert tables == [credentials, certificates_table, "", certificates_table, credentials, "", ""]
    statements = [query["sql"].split()[0] for query in queries]  # the test's transaction: a savepoint, not BEGIN
    assert statements == ["SELECT", "SELECT", "SAVEPOINT", "SELECT", "SELECT", "INSERT", "RELEASE"]
    assert (
        json.loads(response.content)["id"]
        == f"urn:uuid:{SignedCredential.objects.get(certificate=certificates[1]).uuid}"
    )


def test_on_a_database_whose_failed_insert_aborts_the_transaction_the_insert_has_a_savepoint(certificates, monkeypatch):
    first = sign(certificates[0])
    monkeypatch.setattr(status_lists, "_STATEMENT_ROLLBACK_VENDORS", frozenset())  # as on PostgreSQL
    original = signing.new_entry
    tries = []

    def racing(read=None, **owner):  # the first index offered was just taken by another process
        entry = original(read, **owner)
        if not tries:
            entry.status_list_id, entry.status_index = first.status_list_id, first.status_index
        tries.append(entry.status_index)
        return entry

    monkeypatch.setattr(signing, "new_entry", racing)
    with CaptureQueriesContext(connection) as queries:
        second = sign(certificates[1])
    # mysqlclient has no SQL for a statement that failed (Django logs "None"): here, the refused INSERT.
    statements = [("INSERT" if query["sql"] in (None, "None") else query["sql"]).split()[0] for query in queries]
    inserts = [number for number, statement in enumerate(statements) if statement == "INSERT"]
    assert len(inserts) == 2 and len(tries) == 2
    for number in inserts:  # each insert in a savepoint of its own, rolled back or released
        assert statements[number - 1] == "SAVEPOINT"
        assert statements[number + 1] in ("ROLLBACK", "RELEASE")
    assert second.status_index == tries[1] != first.status_index
    assert SignedCredential.objects.filter(certificate=certificates[1]).count() == 1
