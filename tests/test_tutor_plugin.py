"""
The Tutor plugin's patches, rendered the way Tutor renders them (Jinja2, strict about unknown names,
with the plugin's filter) and then run or parsed: the LMS settings, the bus producer configuration,
the consumer service for docker compose and Kubernetes, the Dockerfile line.

Tutor itself is not installed in CI (it brings Kubernetes and mypy clients); the hooks module is a
three-line hand-over of these same data to ``tutor.hooks``.
"""

import json
import shlex

import attr
import jinja2
import pytest
import yaml
from django.core.management.base import CommandParser
from django.test import override_settings
from openedx_events.management.commands.consume_events import Command as ConsumeEvents

from credentials_plugin import __version__
from credentials_plugin.conf import DEFAULTS, PREFIX
from credentials_plugin.integrations.event_receivers import RECEIVERS
from credentials_plugin.management.health import OK, check_event_handling
from tutor_credentials_plugin import patches

# What Tutor's own configuration provides to the patches.
TUTOR_CONFIG = {
    "DOCKER_IMAGE_OPENEDX": "docker.io/overhangio/openedx:21.0.0",
    # Tutor's defaults (tutor/templates/config/defaults.yml)
    "REDIS_HOST": "redis",
    "REDIS_PORT": 6379,
    "REDIS_USERNAME": "",
    "REDIS_PASSWORD": "",
}


def render(patch_name, **config):
    """The named patch as `tutor config save` writes it, with the plugin's defaults overridden by CONFIG."""
    # Tutor renders without autoescaping too: the output is Python, YAML and Dockerfiles, not HTML.
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)  # noqa: S701
    environment.filters.update(patches.TEMPLATE_FILTERS)
    values = {**TUTOR_CONFIG, **patches.CONFIG_DEFAULTS, **config}
    # Like Tutor, defaults may refer to other settings ("...=={{ CREDENTIALS_PLUGIN_VERSION }}").
    values = {
        name: environment.from_string(v).render(values) if isinstance(v, str) else v for name, v in values.items()
    }
    (template,) = [text for name, text in patches.PATCHES if name == patch_name]
    return environment.from_string(template).render(values)


def run_settings(text, **existing):
    """Execute a rendered settings patch in a settings module's namespace holding EXISTING."""
    namespace = dict(existing)
    exec(compile(text, "settings-patch", "exec"), namespace)  # noqa: S102 (our own rendered patch)
    return {name: value for name, value in namespace.items() if name.isupper()}


def test_lms_settings_by_default_handle_events_in_process_and_read_keys_from_the_data_volume():
    settings = run_settings(render("openedx-lms-common-settings"))

    assert settings == {
        "CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE": "/openedx/data/credentials_plugin/signing-keys.json",
        "CREDENTIALS_PLUGIN_EVENT_HANDLING": "in_process",
    }


def test_every_setting_the_plugin_writes_is_a_setting_of_the_app():
    settings = run_settings(
        render(
            "openedx-lms-common-settings",
            CREDENTIALS_PLUGIN_EVENT_BUS=True,
            CREDENTIALS_PLUGIN_PUBLIC_BASE_URL="https://learn.example.org",
            CREDENTIALS_PLUGIN_SETTINGS={"HONOR_CERTIFICATES": True, "DEFAULT_ELIGIBLE_MODES": ["verified", "credit"]},
        )
    )

    assert settings["CREDENTIALS_PLUGIN_EVENT_HANDLING"] == "event_bus"
    assert settings["CREDENTIALS_PLUGIN_PUBLIC_BASE_URL"] == "https://learn.example.org"
    assert settings["CREDENTIALS_PLUGIN_HONOR_CERTIFICATES"] is True  # a Python True, not YAML's "true"
    assert settings["CREDENTIALS_PLUGIN_DEFAULT_ELIGIBLE_MODES"] == ["verified", "credit"]
    assert {name.removeprefix(PREFIX) for name in settings} <= set(DEFAULTS)


def test_a_quote_in_a_value_stays_inside_its_string():
    settings = run_settings(
        render("openedx-lms-common-settings", CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE="/keys/a'b\".json")
    )

    assert settings["CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE"] == "/keys/a'b\".json"


def test_without_the_event_bus_no_producer_config_and_no_consumer_service():
    assert render("openedx-common-settings").strip() == ""
    assert render("local-docker-compose-services").strip() == ""
    assert render("k8s-deployments").strip() == ""


def test_the_bus_carries_every_event_the_receivers_handle_keeping_other_topics():
    existing = {"org.openedx.learning.course.enrollment.created.v1": {"enrollments": {"event_key_field": "x"}}}
    settings = run_settings(
        render("openedx-common-settings", CREDENTIALS_PLUGIN_EVENT_BUS=True), EVENT_BUS_PRODUCER_CONFIG=existing
    )
    config = settings["EVENT_BUS_PRODUCER_CONFIG"]

    handled = {signal.event_type for signal, _ in RECEIVERS}
    assert {event for event, topics in config.items() if topics["credentials-plugin-lms-events"]["enabled"]} == handled
    assert config["org.openedx.learning.course.enrollment.created.v1"]["enrollments"] == {"event_key_field": "x"}
    assert existing == {"org.openedx.learning.course.enrollment.created.v1": {"enrollments": {"event_key_field": "x"}}}


@pytest.mark.parametrize(("event_type", "key_field"), patches.CONSUMED_EVENTS)
def test_each_event_key_field_names_a_field_of_the_event_data(event_type, key_field):
    (signal,) = [signal for signal, _ in RECEIVERS if signal.event_type == event_type]
    first, *path = key_field.split(".")
    data_class = signal.init_data[first]
    for name in path:
        field = attr.fields_dict(data_class)[name]  # KeyError: no such field
        data_class = field.type

    assert data_class in (int, str) or data_class.__name__ == "CourseKey"


def test_the_consumer_service_runs_consume_events_on_the_plugin_topic_with_the_lms_settings():
    compose = yaml.safe_load(render("local-docker-compose-services", CREDENTIALS_PLUGIN_EVENT_BUS=True))
    service = compose[patches.CONSUMER_SERVICE]

    assert service["image"] == TUTOR_CONFIG["DOCKER_IMAGE_OPENEDX"]
    assert service["environment"] == {"SERVICE_VARIANT": "lms", "DJANGO_SETTINGS_MODULE": "lms.envs.tutor.production"}
    assert "../../data/lms:/openedx/data" in service["volumes"]  # where the signing keys file lives
    manage, lms, command, *arguments = shlex.split(service["command"])
    assert (manage, lms, command) == ("./manage.py", "lms", "consume_events")
    options = _consume_events_options(arguments)
    assert (options.topic, options.group_id) == (["credentials-plugin-lms-events"], ["credentials_plugin"])
    assert json.loads(options.extra) == {"consumer_name": "credentials-plugin-consumer"}


def test_the_kubernetes_deployment_runs_the_same_command():
    (deployment,) = [
        doc for doc in yaml.safe_load_all(render("k8s-deployments", CREDENTIALS_PLUGIN_EVENT_BUS=True)) if doc
    ]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    shell, flag, command_line = container["command"]
    manage, _, command, *arguments = shlex.split(command_line)

    assert (shell, flag, manage, command) == ("sh", "-c", "./manage.py", "consume_events")
    assert _consume_events_options(arguments).topic == ["credentials-plugin-lms-events"]
    assert {volume["configMap"]["name"] for volume in deployment["spec"]["template"]["spec"]["volumes"]} == {
        "openedx-settings-lms",
        "openedx-settings-cms",
        "openedx-config",
    }


def test_the_image_installs_the_wheel_of_this_version_from_the_build_context_unless_the_spec_is_emptied():
    lines = render("openedx-dockerfile-post-python-requirements").strip().splitlines()

    assert lines[1:] == [
        "COPY credentials-plugin/ /openedx/credentials-plugin/",
        f"RUN pip install '/openedx/credentials-plugin/credentials_plugin-{__version__}-py3-none-any.whl'",
    ]
    assert render("openedx-dockerfile-post-python-requirements", CREDENTIALS_PLUGIN_PIP_SPEC="").strip() == ""


@pytest.mark.parametrize(
    ("spec", "index_url", "command"),
    [
        (
            "credentials-plugin=={{ CREDENTIALS_PLUGIN_VERSION }}",
            "https://pypi.example.org/simple",
            f"RUN pip install --index-url 'https://pypi.example.org/simple' 'credentials-plugin=={__version__}'",
        ),
        (
            "credentials-plugin @ git+https://git.example.org/credentials-plugin@v1.0.0",
            "",
            "RUN pip install 'credentials-plugin @ git+https://git.example.org/credentials-plugin@v1.0.0'",
        ),
    ],
)
def test_a_spec_from_an_index_or_a_vcs_url_installs_that_and_copies_nothing(spec, index_url, command):
    rendered = render(
        "openedx-dockerfile-post-python-requirements",
        CREDENTIALS_PLUGIN_PIP_SPEC=spec,
        CREDENTIALS_PLUGIN_PIP_INDEX_URL=index_url,
    )

    assert rendered.strip().splitlines()[1:] == [command]


def test_tutor_copies_the_wheel_into_the_openedx_build_context_as_bytes():
    (source, destination), *others = patches.TEMPLATE_TARGETS
    name = f"{source}credentials_plugin-{__version__}-py3-none-any.whl"

    assert (others, destination) == ([], "build/openedx")  # env/build/openedx is the image's build context
    assert not patches.is_file_rendered(True, name)
    assert patches.is_file_rendered(True, "build/openedx/Dockerfile")
    assert not patches.is_file_rendered(False, "build/openedx/Dockerfile")  # others' decisions stand


def test_the_rendered_event_bus_settings_pass_the_health_check_on_a_tutor_that_sets_no_event_bus():
    lms = run_settings(render("openedx-lms-common-settings", CREDENTIALS_PLUGIN_EVENT_BUS=True))
    common = run_settings(render("openedx-common-settings", CREDENTIALS_PLUGIN_EVENT_BUS=True))

    with override_settings(**lms, **common):
        (result,) = check_event_handling()

    assert result.status == OK, result.message
    assert common["EVENT_BUS_CONSUMER"] == "edx_event_bus_redis.RedisEventConsumer"
    assert common["EVENT_BUS_REDIS_CONNECTION_URL"] == "redis://:@redis:6379/"  # Tutor's Redis, from its config


def test_event_bus_settings_that_tutor_or_the_operator_set_are_kept():
    kafka = {
        "EVENT_BUS_PRODUCER": "edx_event_bus_kafka.create_producer",
        "EVENT_BUS_CONSUMER": "edx_event_bus_kafka.KafkaEventConsumer",
    }
    common = run_settings(render("openedx-common-settings", CREDENTIALS_PLUGIN_EVENT_BUS=True), **kafka)
    assert {name: common[name] for name in kafka} == kafka


def _consume_events_options(arguments):
    parser = CommandParser(prog="consume_events")
    ConsumeEvents().add_arguments(parser)
    return parser.parse_args(arguments)
