"""
The plugin in an LMS whose pinned openedx-events or openedx-filters predates something it uses.

docs/compatibility.md has the versions: IDV_ATTEMPT_APPROVED came with openedx-events 9.13.0, later
than Redwood's code cut, and InstructorDashboardTabsRequested with openedx-filters 3.4.0, later than
Ulmo's pin. The receivers are imported in the AppConfig's ready(), where an ImportError stops the
LMS: they must import without the signal, say which event cannot arrive, and handle every other one.
"""

import importlib
import logging
import sys

import pytest
from openedx_events.learning import signals as learning_signals
from openedx_filters.learning import filters as learning_filters

import credentials_plugin
import credentials_plugin.integrations
from credentials_plugin import api
from credentials_plugin.integrations import event_receivers as loaded_receivers
from tests.conftest import COURSE, send_grade, send_passing

RECEIVERS_MODULE = "credentials_plugin.integrations.event_receivers"
IDV_EVENT_TYPE = "org.openedx.learning.idv_attempt.approved.v1"


def _dispatch_uid(signal, receiver):
    return f"credentials_plugin.{receiver.__name__}.{signal.event_type}"


def _disconnect(receivers):
    for signal, receiver in receivers:
        signal.disconnect(dispatch_uid=_dispatch_uid(signal, receiver))


@pytest.fixture
def receivers_without_idv(monkeypatch):
    """
    event_receivers imported afresh from an openedx-events that has no IDV_ATTEMPT_APPROVED, and
    connected in place of the loaded ones (which are connected again afterwards).
    """
    monkeypatch.delattr(learning_signals, "IDV_ATTEMPT_APPROVED")
    monkeypatch.delitem(sys.modules, RECEIVERS_MODULE)
    # The fresh import rebinds the package attribute; this puts the loaded module back afterwards.
    monkeypatch.setattr(credentials_plugin.integrations, "event_receivers", loaded_receivers)
    fresh = importlib.import_module(RECEIVERS_MODULE)
    _disconnect(loaded_receivers.RECEIVERS)
    fresh.connect_receivers()
    yield fresh
    _disconnect(fresh.RECEIVERS)
    loaded_receivers.connect_receivers()


def test_the_receivers_import_without_the_signal_and_name_the_missing_event(receivers_without_idv, caplog):
    fresh = receivers_without_idv
    assert fresh is not loaded_receivers
    assert fresh.UNAVAILABLE == ("IDV_ATTEMPT_APPROVED",)
    assert fresh.IDV_ATTEMPT_APPROVED is None
    handled = {signal.event_type for signal, _ in fresh.RECEIVERS}
    assert handled == {signal.event_type for signal, _ in loaded_receivers.RECEIVERS} - {IDV_EVENT_TYPE}
    assert len(handled) == len(loaded_receivers.RECEIVERS) - 1

    with caplog.at_level(logging.WARNING, logger=RECEIVERS_MODULE):
        fresh.connect_receivers()  # connecting again changes nothing (same dispatch_uid), and warns again
    (warning,) = [record for record in caplog.records if record.name == RECEIVERS_MODULE]
    assert "has no IDV_ATTEMPT_APPROVED" in warning.getMessage()
    assert "docs/compatibility.md" in warning.getMessage()


def test_the_loaded_plugin_lacks_nothing_with_the_pinned_openedx_events():
    assert loaded_receivers.UNAVAILABLE == ()
    assert IDV_EVENT_TYPE in {signal.event_type for signal, _ in loaded_receivers.RECEIVERS}


@pytest.mark.django_db
def test_every_other_event_still_issues_certificates(receivers_without_idv, make_learner, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_grade(learner, percent=0.91, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())

    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"
    assert certificate.letter_grade == "A"


def test_the_dashboard_steps_import_without_the_tabs_filter(monkeypatch):
    """The steps name filters only in OPEN_EDX_FILTERS_CONFIG: an openedx-filters without one still loads them."""
    from openedx_filters import PipelineStep

    import credentials_plugin.pipeline as loaded_pipeline

    monkeypatch.delattr(learning_filters, "InstructorDashboardTabsRequested")
    monkeypatch.delitem(sys.modules, "credentials_plugin.pipeline")
    monkeypatch.setattr(credentials_plugin, "pipeline", loaded_pipeline)  # the fresh import rebinds it
    fresh = importlib.import_module("credentials_plugin.pipeline")
    assert fresh is not loaded_pipeline
    assert issubclass(fresh.AddInstructorDashboardTab, PipelineStep)
    assert issubclass(fresh.AddLegacyDashboardSection, PipelineStep)
