from django.contrib.auth import views as auth
from django.urls import include, path

from ordermanager.web.views import home, orders, stack

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/", auth.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"
    ),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:number>/", orders.order_page, name="order"),
    path("stack/", stack.stack_viewer, name="stack"),
    path("stack/<int:record_id>/", stack.record_page, name="stack_record"),
    path("maintenance/", include("ordermanager.web.maintenance.urls")),
    path("setup/", include("ordermanager.web.wizard.urls")),
]
