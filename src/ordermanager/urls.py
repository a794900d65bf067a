from django.contrib import admin
from django.urls import include, path

from ordermanager.api.api import api
from ordermanager.stack.views import healthz, metrics
from ordermanager.web.views.status import status_page

urlpatterns = [
    # The Django admin stays, for superusers; the web app (web/urls.py) is the merchant's way in.
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    # For buyers, without login: not one of the merchant's screens (web/urls.py).
    path("status/", status_page, name="status"),
    path("api/v1/", api.urls),
    path("", include("ordermanager.web.urls")),
]

# Monitoring for load balancers (kept in its own block).
urlpatterns += [path("healthz", healthz, name="healthz")]
