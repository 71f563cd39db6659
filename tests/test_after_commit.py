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
