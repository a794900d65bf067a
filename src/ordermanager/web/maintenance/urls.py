from django.urls import path

from ordermanager.web.maintenance import index, users

# Included from web/urls.py under the "web" namespace: name screens "maintenance_<screen>".
urlpatterns = [
    path("", index.maintenance_menu, name="maintenance"),
    path("users/", users.user_list, name="maintenance_users"),
    path("users/<int:user_id>/", users.user_change, name="maintenance_user"),
]
