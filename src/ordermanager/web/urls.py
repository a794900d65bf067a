from django.contrib.auth import views as auth
from django.urls import include, path

from ordermanager.web.views import home, order_page, orders, stack

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/", auth.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"
    ),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:number>/", order_page.order_page, name="order"),
    path("orders/<int:number>/<str:form>/", order_page.order_action, name="order_action"),
    path("stack/", stack.stack_viewer, name="stack"),
    path("stack/<int:record_id>/", stack.record_page, name="stack_record"),
    path("stack/<int:record_id>/retry/", stack.retry_record, name="stack_retry"),
    path("stack/retry-problems/", stack.retry_problems, name="stack_retry_problems"),
    path("stack/clear-failed/", stack.clear_failed, name="stack_clear_failed"),
    path("maintenance/", include("ordermanager.web.maintenance.urls")),
    path("setup/", include("ordermanager.web.wizard.urls")),
]
