"""
The peer benchmark's URLconf: our plugin's URLs alone, mounted as the LMS mounts them (its
``plugin_app`` url_config: namespace ``credentials_plugin``, regex ``^``). ``demo.urls`` would
also mount every other installed plugin's, and the peer's dependencies bring some that need
edx-platform (edx-completion's views import models of an app that is not installed here).
"""

from django.urls import include, re_path

urlpatterns = [re_path(r"^", include("credentials_plugin.urls", namespace="credentials_plugin"))]
