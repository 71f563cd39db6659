"""
The benchmark's URLconf: the host's URLs (``demo.urls``, the plugin's among them) plus a
trivial view, the baseline of ``benchmarks/public_page.py``.

The trivial view comes first, so resolving it is as cheap as it can be (a strict baseline);
both go through the same middleware and handler.
"""

from django.http import HttpResponse
from django.urls import path

from demo.urls import urlpatterns as host_urlpatterns


def trivial(request):
    """The least a Django view can do."""
    return HttpResponse("ok")


urlpatterns = [path("trivial/", trivial, name="trivial"), *host_urlpatterns]
