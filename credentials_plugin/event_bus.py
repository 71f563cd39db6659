"""
What the LMS publishes to the event bus for the plugin's event-bus mode (``EVENT_HANDLING = "event_bus"``).

Every event the plugin handles that the LMS sends goes to one topic, so one ``consume_events`` group
reads them all, in the order the LMS sent them. In the LMS's settings (all its processes)::

    from credentials_plugin.event_bus import producer_config
    from openedx_events.event_bus import merge_producer_configs

    EVENT_BUS_PRODUCER_CONFIG = merge_producer_configs(EVENT_BUS_PRODUCER_CONFIG, producer_config())

Data only, no Django models: LMS settings files import it. docs/scale-out.md has the whole setup.
"""

DEFAULT_TOPIC = "credentials-plugin-lms-events"
CONSUMER_GROUP = "credentials_plugin"

# Studio publishes this one itself (edx-platform's default topic); a second consumer may read it.
STUDIO_CATALOG_TOPIC = "course-catalog-info-changed"

# Each event the LMS sends that the plugin's receivers handle, with the event's key field (the
# partition key on Kafka; Redis ignores it): the course, or the learner where no course is named.
PUBLISHED_EVENT_KEY_FIELDS = {
    "org.openedx.learning.course.passing.status.updated.v1": "course_passing_status.course.course_key",
    "org.openedx.learning.ccx.course.passing.status.updated.v1": "course_passing_status.course.ccx_course_key",
    "org.openedx.learning.course.persistent_grade_summary.changed.v1": "grade.course.course_key",
    "org.openedx.learning.course.enrollment.created.v1": "enrollment.course.course_key",
    "org.openedx.learning.course.enrollment.changed.v1": "enrollment.course.course_key",
    "org.openedx.learning.user.course_access_role.added.v1": "course_access_role_data.course_key",
    "org.openedx.learning.user.course_access_role.removed.v1": "course_access_role_data.course_key",
    "org.openedx.learning.idv_attempt.approved.v1": "idv_attempt.user.id",
}


def producer_config(topic=DEFAULT_TOPIC):
    """The ``EVENT_BUS_PRODUCER_CONFIG`` entries that publish those events to TOPIC."""
    return {
        event_type: {topic: {"event_key_field": key_field, "enabled": True}}
        for event_type, key_field in PUBLISHED_EVENT_KEY_FIELDS.items()
    }
