"""Importing items in the admin: upload a file, see the preview (what will be created, updated or refused, with
row numbers and reasons), then confirm. The template lists the columns and the values they allow."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.access import may_add, restrict
from coordination.models import Department, ImportBatch
from coordination.selectors import request_viewer
from coordination.sheets.imports import FileRefused, import_batch_create, import_batch_run
from coordination.sheets.template import template_sheets
from coordination.sheets.writers import sheet_download

from .bulk import coordinators_for


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file (.csv) with the template's headings."),
    )


def _require_importer(request):
    if not may_add(ImportBatch, request_viewer(request)):
        raise Http404(_("Importing items is for a department's coordinators and directors."))


def _page(site, request, template, context, status=200):
    context = {**site.each_context(request), **context}
    request.current_app = site.name
    return TemplateResponse(request, template, context, status=status)


def upload_view(site, request):
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_batch_create(actor=request.user, name=upload.name, content=upload.read())
        except (FileRefused, PermissionDenied) as error:
            form.add_error("file", str(error))
        else:
            return preview(site, request, batch)
    context = {"title": _("Import items"), "form": form, "template_url": reverse("admin:import_template")}
    return _page(site, request, "admin/tracker/import_form.html", context, status=400 if form.errors else 200)


def preview(site, request, batch, report=None, status=200):
    report = report or import_batch_run(actor=request.user, batch=batch, dry_run=True)
    context = {
        "title": _("Import preview: %(name)s") % {"name": batch.filename},
        "batch": batch,
        "report": report,
        "counts": {action: report.count(action) for action in ("create", "update", "unchanged", "refused")},
        "confirm_url": reverse("admin:import_confirm", args=[batch.pk]),
        "upload_url": reverse("admin:import_upload"),
    }
    return _page(site, request, "admin/tracker/import_preview.html", context, status=status)


def confirm_view(site, request, batch_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require_importer(request)
    batch = get_object_or_404(restrict(ImportBatch, request_viewer(request)), pk=batch_id)
    try:
        report = import_batch_run(actor=request.user, batch=batch, dry_run=False)
    except (FileRefused, ValidationError, PermissionDenied) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return HttpResponseRedirect(reverse("admin:import_upload"))
    if not report.imported:  # the items changed since the preview: show what is refused now
        return preview(site, request, batch, report, status=400)
    messages.success(
        request,
        _("Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "file": batch.filename,
            "created": report.count("create"),
            "updated": report.count("update"),
            "unchanged": report.count("unchanged"),
        },
    )
    return HttpResponseRedirect(reverse("admin:coordination_actionitem_changelist"))


def template_view(site, request):
    _require_importer(request)
    viewer = request_viewer(request)
    departments = Department.objects.filter(is_active=True).order_by("code")
    if not viewer.is_superuser:
        departments = departments.filter(pk__in=viewer.coordinator_department_ids | viewer.director_department_ids)
    sheets = template_sheets(departments=departments, coordinators=coordinators_for(viewer))
    return sheet_download(sheets, file_format="xlsx", stem="action-items-template")
