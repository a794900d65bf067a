from django.contrib import admin
from django.urls import include, path

from ordermanager.stack.views import healthz, metrics

urlpatterns = [
    # The Django admin stays, for superusers; the web app (web/urls.py) is the merchant's way in.
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    path("", include("ordermanager.web.urls")),
]

# Monitoring for load balancers (kept in its own block).
urlpatterns += [path("healthz", healthz, name="healthz")]
