"""URLs of the host project (tests and demo): the plugin's come from its plugin_app config."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from edx_django_utils.plugins import get_plugin_url_patterns

from demo import views

urlpatterns = [
    # The demo's front door: what to look at, with the sign-ins.
    path("", views.index, name="demo_index"),
    path("admin/", admin.site.urls),
    # The LMS's sign-in and sign-out pages, as far as the plugin's pages need them (the LMS signs
    # out through a link, ``/logout``, which the plugin's pages show).
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout", views.sign_out, name="logout"),
    path("logout/", views.sign_out),
    *get_plugin_url_patterns("lms.djangoapp"),
    # Uploaded logos, seals and signatures (served by Django only with DEBUG on: the demo).
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
