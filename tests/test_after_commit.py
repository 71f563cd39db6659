"""``hooks.after_commit``: a callback that fails is logged and the others still run."""

import logging

import pytest
from django.db import transaction

from credentials_plugin.core.hooks import after_commit


def failing_job(name):
    raise RuntimeError(f"{name} could not be handed to the workers")


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_is_logged_by_name_and_the_next_one_still_runs(caplog):
    ran = []
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        after_commit(failing_job, "sign")
        after_commit(ran.append, "mirror")
        assert ran == []  # nothing before the commit
    assert ran == ["mirror"]
    assert any("failing_job" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_nothing_runs_when_the_transaction_rolls_back():
    ran = []
    with pytest.raises(ValueError), transaction.atomic():
        after_commit(ran.append, "mirror")
        raise ValueError("the change failed")
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_fails_when_a_kept_credential_is_dropped_stops_no_other_callback(monkeypatch):
    import uuid

    from django.core.cache import cache

    from credentials_plugin.vc import stored_cache

    deletes, ran = [], []

    def delete_many(keys):
        deletes.append(keys)
        if len(deletes) > 1:  # the drop at commit: the cache went away meanwhile
            raise ConnectionError("the cache server is gone")

    monkeypatch.setattr(cache, "delete_many", delete_many)
    with transaction.atomic():
        stored_cache.forget([uuid.uuid4()])
        after_commit(ran.append, "mirror")
        assert len(deletes) == 1  # dropped at once too
    assert len(deletes) == 2 and ran == ["mirror"]
