from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ordermanager.stack.models import StackRecord
from ordermanager.web.permissions import WORK_STACK, requires


@requires(WORK_STACK)
def stack_viewer(request: HttpRequest) -> HttpResponse:
    return render(request, "web/stack/viewer.html", {"records": StackRecord.objects.order_by("-id")[:50]})


@requires(WORK_STACK)
def record_page(request: HttpRequest, record_id: int) -> HttpResponse:
    return render(request, "web/stack/record.html", {"record": get_object_or_404(StackRecord, pk=record_id)})
