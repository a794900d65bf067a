from django.urls import path

from ordermanager.web.maintenance import carriers, carts, events, index, labels, parameters, users

# Included from web/urls.py under the "web" namespace: name screens "maintenance_<screen>".
urlpatterns = [
    path("", index.maintenance_menu, name="maintenance"),
    path("parameters/", parameters.parameter_list, name="maintenance_parameters"),
    path("parameters/<str:name>/", parameters.parameter_save, name="maintenance_parameter"),
    path("events/", events.event_grid, name="maintenance_events"),
    path("events/defaults/", events.load_defaults, name="maintenance_events_defaults"),
    path("events/<str:event_id>/", events.event_rule_save, name="maintenance_event"),
    path("labels/", labels.label_list, name="maintenance_labels"),
    path("labels/add/", labels.label_add, name="maintenance_label_add"),
    path("labels/rename/", labels.label_rename, name="maintenance_label_rename"),
    path("labels/delete/", labels.label_delete, name="maintenance_label_delete"),
    path("carts/", carts.cart_list, name="maintenance_carts"),
    path("carts/new/<str:cart_type>/", carts.cart_new, name="maintenance_cart_new"),
    path("carts/<int:pk>/", carts.cart_edit, name="maintenance_cart"),
    path("carts/<int:pk>/test/", carts.cart_test, name="maintenance_cart_test"),
    path("carts/<int:pk>/delete/", carts.cart_delete, name="maintenance_cart_delete"),
    path("carts/<int:pk>/carriers/", carriers.carrier_mapping, name="maintenance_carriers"),
    path("carts/<int:pk>/carriers/map/", carriers.carrier_map, name="maintenance_carrier_map"),
    path("carts/<int:pk>/carriers/unmap/", carriers.carrier_unmap, name="maintenance_carrier_unmap"),
    path("users/", users.user_list, name="maintenance_users"),
    path("users/<int:user_id>/", users.user_change, name="maintenance_user"),
]
