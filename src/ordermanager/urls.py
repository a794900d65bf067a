from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from ordermanager.stack.views import healthz, metrics

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
]

# Monitoring for load balancers (kept in its own block).
urlpatterns += [path("healthz", healthz, name="healthz")]
