from django.urls import path

from ordermanager.web.maintenance import index

# Included from web/urls.py under the "web" namespace: name screens "maintenance_<screen>".
urlpatterns = [
    path("", index.maintenance_menu, name="maintenance"),
]
