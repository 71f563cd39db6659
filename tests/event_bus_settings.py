"""
Settings of an LMS event-bus consumer process in the tests (``python -m django consume_events``).

The test host's settings (CREDENTIALS_PLUGIN_TEST_DB=mysql and MYSQL_DATABASE point it at the
parent's test database), plus what an LMS running a Redis event-bus consumer has: openedx_events
installed (its ``consume_events`` command) and the consumer's settings.
"""

import os

from test_settings import *  # noqa: F403 (the test host's settings, extended)
from test_settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "openedx_events"]

EVENT_BUS_CONSUMER = "edx_event_bus_redis.RedisEventConsumer"
EVENT_BUS_REDIS_CONNECTION_URL = os.environ["CREDENTIALS_PLUGIN_TEST_REDIS_URL"]
EVENT_BUS_TOPIC_PREFIX = os.environ["CREDENTIALS_PLUGIN_TEST_TOPIC_PREFIX"]
# Seconds one blocking read waits for a message (the consumer loops forever; the tests stop it).
EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT = 1

CREDENTIALS_PLUGIN_EVENT_HANDLING = os.environ.get("CREDENTIALS_PLUGIN_EVENT_HANDLING", "event_bus")
