"""The plugin is loaded the way the LMS loads it: from its entry point, with its own settings and URLs."""

from importlib.metadata import entry_points

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import resolve, reverse
from edx_django_utils.plugins import get_plugin_apps

from credentials_plugin.apps import CredentialsPluginConfig
from credentials_plugin.backends import get_backend
from credentials_plugin.backends.standalone import StandaloneBackend
from credentials_plugin.conf import plugin_settings
from credentials_plugin.settings import production


def test_the_lms_entry_point_names_the_app_config():
    (entry_point,) = [ep for ep in entry_points(group="lms.djangoapp") if ep.name == "credentials_plugin"]
    assert entry_point.load() is CredentialsPluginConfig


def test_the_host_got_the_app_from_the_entry_point_not_by_hand():
    assert "credentials_plugin.apps.CredentialsPluginConfig" in get_plugin_apps("lms.djangoapp")
    assert "credentials_plugin.apps.CredentialsPluginConfig" in settings.INSTALLED_APPS
    assert isinstance(apps.get_app_config("credentials_plugin"), CredentialsPluginConfig)


def test_the_test_settings_hook_ran_and_selected_the_standalone_backend():
    assert settings.CREDENTIALS_PLUGIN_BACKEND.endswith("StandaloneBackend")
    assert isinstance(get_backend(), StandaloneBackend)


def test_the_plugin_urls_are_mounted_under_its_namespace():
    url = reverse("credentials_plugin:certificate", args=["6f1c5c9e-1111-4a4a-9c9c-123456789abc"])
    assert url == "/credentials/certificates/6f1c5c9e-1111-4a4a-9c9c-123456789abc/"
    assert resolve(url).namespace == "credentials_plugin"


def test_settings_are_read_lazily_with_defaults(settings):
    assert plugin_settings.BATCH_SIZE == 500
    settings.CREDENTIALS_PLUGIN_BATCH_SIZE = 7
    assert plugin_settings.BATCH_SIZE == 7
    with pytest.raises(AttributeError, match="CREDENTIALS_PLUGIN_NOPE is not a credentials_plugin setting"):
        _ = plugin_settings.NOPE


def test_production_settings_take_values_from_the_yaml_tokens():
    class Settings:
        ENV_TOKENS = {"CREDENTIALS_PLUGIN_HONOR_CERTIFICATES": True, "OTHER": 1}
        AUTH_TOKENS = {"CREDENTIALS_PLUGIN_PUBLIC_BASE_URL": "https://lms.example.com"}

    production.plugin_settings(Settings)
    assert Settings.CREDENTIALS_PLUGIN_HONOR_CERTIFICATES is True
    assert Settings.CREDENTIALS_PLUGIN_PUBLIC_BASE_URL == "https://lms.example.com"
    assert not hasattr(Settings, "OTHER")


def test_every_receiver_passes_djangos_debug_check_for_kwargs():
    from django.utils.inspect import func_accepts_kwargs

    from credentials_plugin.integrations import event_receivers

    assert all(func_accepts_kwargs(receiver) for _, receiver in event_receivers.RECEIVERS)


def test_common_settings_let_the_legacy_dashboard_find_the_plugins_mako_section():
    from credentials_plugin.settings import common
    from credentials_plugin.web.rendering import packaged_templates_dir

    class LmsSettings:
        MAKO_TEMPLATE_DIRS_BASE = ["/edx/app/edxapp/templates"]

    common.plugin_settings(LmsSettings)
    common.plugin_settings(LmsSettings)
    dirs = LmsSettings.MAKO_TEMPLATE_DIRS_BASE
    assert dirs == ["/edx/app/edxapp/templates", packaged_templates_dir()]
    assert (packaged_templates_dir() / "credentials_plugin/instructor_dashboard/credentials_plugin.html").is_file()
