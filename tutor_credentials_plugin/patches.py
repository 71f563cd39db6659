"""
What the Tutor plugin adds to a Tutor environment, as plain data: its configuration defaults, the
template filter its patches use, and the patches (Jinja2 templates Tutor renders with its
configuration at ``tutor config save``). Nothing here imports Tutor, so it is tested without it.
"""

from credentials_plugin import __version__
from tutor_credentials_plugin.wheel import BUILD_CONTEXT_FOLDER, WHEEL_FILENAME

# Where the python-requirements stage of the openedx Dockerfile finds the wheel of this very package:
# copied from the build context (env/build/openedx/credentials-plugin/, see TEMPLATE_TARGETS).
IMAGE_FOLDER = "/openedx/credentials-plugin"
BUNDLED_WHEEL = f"{IMAGE_FOLDER}/{WHEEL_FILENAME}"

# Tutor configuration (`tutor config save --set NAME=VALUE`), with defaults.
CONFIG_DEFAULTS = {
    # The installed version, for a spec of your own: "credentials-plugin=={{ CREDENTIALS_PLUGIN_VERSION }}".
    "CREDENTIALS_PLUGIN_VERSION": __version__,
    # What `pip install` installs into the openedx image. By default the wheel of the package installed
    # where Tutor runs, which the plugin puts in the build context: no package index needs to have it.
    # Or a requirement from an index ("credentials-plugin==1.2.0", with CREDENTIALS_PLUGIN_PIP_INDEX_URL
    # for your own), or a VCS URL ("credentials-plugin @ git+https://example.org/credentials-plugin@v1.2.0").
    # Empty installs nothing (install it yourself, e.g. through OPENEDX_EXTRA_PIP_REQUIREMENTS).
    "CREDENTIALS_PLUGIN_PIP_SPEC": BUNDLED_WHEEL,
    # The index `pip install` uses instead of PyPI (it must also serve our dependencies); empty: pip's default.
    "CREDENTIALS_PLUGIN_PIP_INDEX_URL": "",
    # Base of public certificate URLs and of the issuer's did:web; empty: the LMS's own URL.
    "CREDENTIALS_PLUGIN_PUBLIC_BASE_URL": "",
    # The signing keys file, on the LMS's persistent data volume (data/lms on the host), never in the image.
    "CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE": "/openedx/data/credentials_plugin/signing-keys.json",
    # Handle the LMS's events in an event-bus consumer service instead of the web and worker processes.
    "CREDENTIALS_PLUGIN_EVENT_BUS": False,
    "CREDENTIALS_PLUGIN_EVENT_BUS_TOPIC": "credentials-plugin-lms-events",  # event_bus.DEFAULT_TOPIC
    "CREDENTIALS_PLUGIN_EVENT_BUS_GROUP": "credentials_plugin",
    # Any other plugin setting, without its CREDENTIALS_PLUGIN_ prefix: {"HONOR_CERTIFICATES": true, ...}.
    "CREDENTIALS_PLUGIN_SETTINGS": {},
}

# The events the plugin's receivers handle (credentials_plugin.integrations.event_receivers.RECEIVERS), each with the
# field that keys it on the bus: the learner where there is one, so one learner's events stay in order.
CONSUMED_EVENTS = (
    ("org.openedx.learning.course.passing.status.updated.v1", "course_passing_status.user.id"),
    ("org.openedx.learning.ccx.course.passing.status.updated.v1", "course_passing_status.user.id"),
    ("org.openedx.learning.course.persistent_grade_summary.changed.v1", "grade.user_id"),
    ("org.openedx.learning.course.enrollment.created.v1", "enrollment.user.id"),
    ("org.openedx.learning.course.enrollment.changed.v1", "enrollment.user.id"),
    ("org.openedx.learning.user.course_access_role.added.v1", "course_access_role_data.user.id"),
    ("org.openedx.learning.user.course_access_role.removed.v1", "course_access_role_data.user.id"),
    ("org.openedx.content_authoring.course.catalog_info.changed.v1", "catalog_info.course_key"),
    ("org.openedx.learning.idv_attempt.approved.v1", "idv_attempt.user.id"),
)

CONSUMER_SERVICE = "credentials-plugin-consumer"

# The filter the patches use to write a configuration value as a Python literal in a settings file.
LITERAL_FILTER = "credentials_plugin_literal"


def python_literal(value):
    """A YAML configuration value (string, number, boolean, list, mapping) as Python source."""
    return repr(value)


TEMPLATE_FILTERS = {LITERAL_FILTER: python_literal}

# Tutor's openedx Dockerfile (tutor/templates/build/openedx/Dockerfile) renders this patch in its
# python-requirements stage, which runs as root with /openedx/venv first on PATH; its build context is
# env/build/openedx (tutor/commands/images.py, build: tutor_env.pathjoin(root, "build", "openedx")).
# The COPY is there only when the spec is the bundled wheel.
DOCKERFILE = """\
{% if CREDENTIALS_PLUGIN_PIP_SPEC %}# credentials_plugin
{% if CREDENTIALS_PLUGIN_PIP_SPEC.startswith("IMAGE_FOLDER/") -%}
COPY BUILD_CONTEXT_FOLDER/ IMAGE_FOLDER/
{% endif -%}
RUN pip install {% if CREDENTIALS_PLUGIN_PIP_INDEX_URL %}\
--index-url '{{ CREDENTIALS_PLUGIN_PIP_INDEX_URL }}' {% endif %}'{{ CREDENTIALS_PLUGIN_PIP_SPEC }}'
{% endif %}""".replace("IMAGE_FOLDER", IMAGE_FOLDER).replace("BUILD_CONTEXT_FOLDER", BUILD_CONTEXT_FOLDER)

# Tutor renders every file under a template root whose path starts with a target's source into the
# environment folder of its destination (tutor/env.py, save: ENV_TEMPLATE_TARGETS; the catalog's
# docstring in tutor/hooks/catalog.py): "credentials-plugin/<wheel>" lands in
# env/build/openedx/credentials-plugin/, inside the openedx build context. Tutor means to delete a
# plugin's targets when it is disabled (tutor/env.py, _delete_plugin_templates on PLUGIN_UNLOADED), but
# in Tutor 22.0.3 tutor/plugins/__init__.py's _unload_on_disable (HIGH priority) clears the plugin's
# targets first, so the folder stays: harmless, the patch and its COPY are gone with the plugin.
TEMPLATE_TARGETS = ((f"{BUILD_CONTEXT_FOLDER}/", "build/openedx"),)


def is_file_rendered(should_render, path):
    """Tutor's IS_FILE_RENDERED filter: copy the wheel's bytes, never read it as a Jinja2 template.

    tutor/env.py, Renderer.render_template: a file the filter declines is read with read_bytes and
    written as is; its own _do_not_render_binary_files only knows fonts and images (BIN_FILE_EXTENSIONS).
    """
    return should_render and not path.startswith(f"{BUILD_CONTEXT_FOLDER}/")


# Every LMS process (web, Celery workers, the consumer) gets the same settings: in "event_bus" mode the
# receivers act only on events that arrived from the bus, which happens in the consumer alone.
LMS_SETTINGS = """\
# credentials_plugin (set by the credentials_plugin Tutor plugin)
CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = {{ CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE|credentials_plugin_literal }}
{% if CREDENTIALS_PLUGIN_PUBLIC_BASE_URL -%}
CREDENTIALS_PLUGIN_PUBLIC_BASE_URL = {{ CREDENTIALS_PLUGIN_PUBLIC_BASE_URL|credentials_plugin_literal }}
{% endif -%}
CREDENTIALS_PLUGIN_EVENT_HANDLING = {{ ("event_bus" if CREDENTIALS_PLUGIN_EVENT_BUS else "in_process")
    |credentials_plugin_literal }}
{%- for name, value in CREDENTIALS_PLUGIN_SETTINGS.items() %}
CREDENTIALS_PLUGIN_{{ name }} = {{ value|credentials_plugin_literal }}
{%- endfor %}
"""

# In the settings of LMS and CMS (the CMS sends the course catalog events): publish what the consumer reads.
# Tutor 22 points the event bus at its Redis itself (EVENT_BUS_* in
# tutor/templates/apps/openedx/settings/partials/common_all.py, added by overhangio/tutor#1328 in the
# v21 series); earlier Tutor sets none of them, so they are set here to Tutor's Redis when unset. A
# site on Kafka, or with its own values, keeps them.
COMMON_SETTINGS = (
    """\
{% if CREDENTIALS_PLUGIN_EVENT_BUS -%}
# credentials_plugin: the event bus on Tutor's Redis unless something set it already
EVENT_BUS_PRODUCER = globals().get("EVENT_BUS_PRODUCER") or "edx_event_bus_redis.create_producer"
EVENT_BUS_CONSUMER = globals().get("EVENT_BUS_CONSUMER") or "edx_event_bus_redis.RedisEventConsumer"
EVENT_BUS_REDIS_CONNECTION_URL = globals().get("EVENT_BUS_REDIS_CONNECTION_URL") or (
    "redis://{{ REDIS_USERNAME }}:{{ REDIS_PASSWORD }}@{{ REDIS_HOST }}:{{ REDIS_PORT }}/"
)
EVENT_BUS_TOPIC_PREFIX = globals().get("EVENT_BUS_TOPIC_PREFIX") or "dev"
# credentials_plugin: publish the events its consumer handles
EVENT_BUS_PRODUCER_CONFIG = dict(globals().get("EVENT_BUS_PRODUCER_CONFIG") or {})
for _event_type, _event_key_field in """
    + repr(CONSUMED_EVENTS)
    + """:
    EVENT_BUS_PRODUCER_CONFIG[_event_type] = {
        **EVENT_BUS_PRODUCER_CONFIG.get(_event_type, {}),
        {{ CREDENTIALS_PLUGIN_EVENT_BUS_TOPIC|credentials_plugin_literal }}: {
            "event_key_field": _event_key_field,
            "enabled": True,
        },
    }
{% endif %}"""
)

CONSUMER_COMMAND = (
    "./manage.py lms consume_events --topic {{ CREDENTIALS_PLUGIN_EVENT_BUS_TOPIC }} "
    '--group_id {{ CREDENTIALS_PLUGIN_EVENT_BUS_GROUP }} --extra \'{"consumer_name": "%s"}\''
)

LOCAL_SERVICES = (
    """\
{% if CREDENTIALS_PLUGIN_EVENT_BUS -%}
credentials-plugin-consumer:
  image: {{ DOCKER_IMAGE_OPENEDX }}
  environment:
    SERVICE_VARIANT: lms
    DJANGO_SETTINGS_MODULE: lms.envs.tutor.production
  command: >-
    """
    + CONSUMER_COMMAND % CONSUMER_SERVICE
    + """
  restart: unless-stopped
  volumes:
    - ../apps/openedx/settings/lms:/openedx/edx-platform/lms/envs/tutor:ro
    - ../apps/openedx/settings/cms:/openedx/edx-platform/cms/envs/tutor:ro
    - ../apps/openedx/config:/openedx/config:ro
    - ../../data/lms:/openedx/data
  depends_on:
    - lms
{% endif %}"""
)

# On Kubernetes the consumer pod has no shared data volume: it needs no private key (it signs nothing
# when it issues; credentials are signed on request or by the workers), only the settings.
K8S_DEPLOYMENTS = (
    """\
{% if CREDENTIALS_PLUGIN_EVENT_BUS -%}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: credentials-plugin-consumer
  labels:
    app.kubernetes.io/name: credentials-plugin-consumer
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: credentials-plugin-consumer
  template:
    metadata:
      labels:
        app.kubernetes.io/name: credentials-plugin-consumer
    spec:
      securityContext:
        runAsUser: 1000
        runAsGroup: 1000
      containers:
        - name: credentials-plugin-consumer
          image: {{ DOCKER_IMAGE_OPENEDX }}
          command:
            - sh
            - -c
            - >-
              """
    + CONSUMER_COMMAND % CONSUMER_SERVICE
    + """
          env:
            - name: SERVICE_VARIANT
              value: lms
            - name: DJANGO_SETTINGS_MODULE
              value: lms.envs.tutor.production
          volumeMounts:
            - mountPath: /openedx/edx-platform/lms/envs/tutor/
              name: settings-lms
            - mountPath: /openedx/edx-platform/cms/envs/tutor/
              name: settings-cms
            - mountPath: /openedx/config
              name: config
      volumes:
        - name: settings-lms
          configMap:
            name: openedx-settings-lms
        - name: settings-cms
          configMap:
            name: openedx-settings-cms
        - name: config
          configMap:
            name: openedx-config
{% endif %}"""
)

PATCHES = (
    ("openedx-dockerfile-post-python-requirements", DOCKERFILE),
    ("openedx-lms-common-settings", LMS_SETTINGS),
    ("openedx-common-settings", COMMON_SETTINGS),
    ("local-docker-compose-services", LOCAL_SERVICES),
    ("k8s-deployments", K8S_DEPLOYMENTS),
)
