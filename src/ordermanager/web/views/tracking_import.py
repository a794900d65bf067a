"""Import Tracking Numbers: upload a shipping tool's export, see each row's result, download the report.

The page parses the form and calls the importer (which adds numbers through the orders' actions), then
Process Tracking Numbers unless unticked, as `ordermanager tracking import` does.
"""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ordermanager.errors import InputError
from ordermanager.orders import actions
from ordermanager.orders.models import TrackingColumnMapping
from ordermanager.orders.tracking_import import Options, Report, import_tracking_file
from ordermanager.orders.tracking_import.presets import PRESETS
from ordermanager.orders.tracking_import.report import new_report_path, reports_dir
from ordermanager.web.forms import attempt
from ordermanager.web.permissions import WORK_ORDERS, actor, requires

MAX_UPLOAD = 100 * 1024 * 1024


def _import(request: HttpRequest) -> dict:
    upload = request.FILES.get("file")
    if upload is None:
        raise InputError("file", "choose the file your shipping software exported")
    if upload.size > MAX_UPLOAD:
        raise InputError("file", f"is {upload.size / 1e6:.0f} MB; split it into files of at most 100 MB")
    options = Options(
        actor(request),
        request.POST.get("preset", ""),
        request.POST.get("mapping", ""),
        dry_run=bool(request.POST.get("dry_run")),
        all_or_nothing=bool(request.POST.get("all_or_nothing")),
    )
    path = new_report_path(upload.name)
    with path.open("w", newline="", encoding="utf-8") as out:
        report = import_tracking_file(upload.file, options, Report(out))
    processing: list[str] = []
    if report.written and not request.POST.get("no_process"):
        result = actions.process_tracking_numbers(actor=actor(request))
        processing = result.summary()
    return {"report": report, "report_name": path.name, "processing": processing, "file_name": upload.name}


@requires(WORK_ORDERS)
def import_page(request: HttpRequest) -> HttpResponse:
    context = {"presets": PRESETS.values(), "mappings": TrackingColumnMapping.objects.all(), "form": request.POST}
    status = 200
    if request.method == "POST":
        outcome = attempt(lambda: _import(request))
        context.update(outcome.result or {}, errors=outcome.errors)
        status = 200 if outcome.ok else 422
    return render(request, "web/tracking/import.html", context, status=status)


@requires(WORK_ORDERS)
def report_file(request: HttpRequest, name: str) -> FileResponse:
    path = reports_dir() / Path(name).name
    if path.suffix != ".csv" or not path.is_file():
        raise Http404("no such report")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv")
