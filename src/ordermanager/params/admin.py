from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from ordermanager.admin_tools import ActionAdmin
from ordermanager.errors import InputError
from ordermanager.params import actions as params
from ordermanager.params.models import CartParameter, SystemParameter
from ordermanager.params.registry import PARAMETERS


class ValueForm(forms.ModelForm):
    """Checks the typed value with the parameter's own rule before anything is saved."""

    def clean(self) -> dict:
        data = super().clean()
        name = data.get("name") or self.instance.name
        value = data.get("value")
        if name and value not in (None, ""):
            try:
                PARAMETERS[name].parse(value)
            except InputError as error:
                self.add_error("value", error.message)
            except KeyError:
                self.add_error("name", "there is no system parameter with this name")
        return data


@admin.register(SystemParameter)
class SystemParameterAdmin(ActionAdmin):
    form = ValueForm
    list_display = ["name", "group", "effective_value", "description"]
    list_filter = ["group"]
    search_fields = ["name"]
    fields = ["name", "group", "description", "value"]
    readonly_fields = ["name", "group", "description"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SystemParameter, form: Any, change: bool) -> None:
        if obj.value in (None, ""):
            params.reset_parameter(obj.name)
        else:
            params.set_parameter(obj.name, obj.value)


@admin.register(CartParameter)
class CartParameterAdmin(ActionAdmin):
    form = ValueForm
    list_display = ["cart", "name", "value"]
    list_filter = ["cart"]

    def save_model(self, request: HttpRequest, obj: CartParameter, form: Any, change: bool) -> None:
        params.set_parameter(obj.name, obj.value, cart=obj.cart)

    def delete_model(self, request: HttpRequest, obj: CartParameter) -> None:
        params.reset_parameter(obj.name, cart=obj.cart)
