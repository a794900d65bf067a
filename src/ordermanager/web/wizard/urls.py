from django.urls import path

from ordermanager.web.wizard import views, views_cart

# Included from web/urls.py under /setup/ in the "web" namespace.
urlpatterns = [
    path("", views.setup, name="setup"),
    path("restart/", views.restart, name="setup_restart"),
    path("store/", views.step_store, name="setup_store"),
    path("status/", views.step_status, name="setup_status"),
    path("events/", views.step_events, name="setup_events"),
    path("events/defaults/", views_cart.use_defaults, name="setup_defaults"),
    path("cart/", views_cart.step_cart, name="setup_cart"),
    path("carriers/", views_cart.step_carriers, name="setup_carriers"),
    path("import/", views_cart.step_import, name="setup_import"),
    path("import/progress/", views_cart.import_progress, name="setup_import_progress"),
    path("done/", views_cart.step_done, name="setup_done"),
]
