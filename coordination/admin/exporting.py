"""Exports from the item list: the whole filtered list (the list's own filters, search and order) or the selected
items, as XLSX or CSV in the reader's language (`coordination.sheets`); and the selected items' full records as
one ZIP (`coordination.record_package`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination import services
from coordination.calendar import japan_today
from coordination.record_package import MOST_ITEMS
from coordination.sheets.exports import item_sheet
from coordination.sheets.writers import sheet_download

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_PARAMETER = "_export"


def item_download(items, file_format: str):
    response = sheet_download([item_sheet(items)], file_format=file_format, stem=f"action-items-{japan_today()}")
    # The security log records the export against the departments whose items left (users.middleware).
    response.exported_departments = sorted(set(items.values_list("department_id", flat=True)))
    return response


class ItemExports:
    """Model admin behaviour: `?_export=xlsx` (or csv) on the list downloads what the list shows, every page."""

    def changelist_view(self, request, extra_context=None):
        if EXPORT_PARAMETER not in request.GET:
            return super().changelist_view(request, extra_context)
        request.GET = request.GET.copy()
        file_format = request.GET.pop(EXPORT_PARAMETER)[-1]
        if file_format not in EXPORT_FORMATS:
            raise Http404(f"Unknown export format {file_format[:10]!r}.")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(request.path + "?e=1")
        return item_download(changelist.get_queryset(request), file_format)


EXPORT_ACTION_LABELS = {
    "xlsx": gettext_lazy("Export the selected items (XLSX)"),
    "csv": gettext_lazy("Export the selected items (CSV)"),
}


def record_download(request, items) -> HttpResponse:
    """The full records of `items` as one ZIP (`coordination.record_package`); the service logs the export."""
    package = services.action_items_record_export(actor=request.user, items=items)
    stem = f"record-{items.get().pk}" if items.count() == 1 else "records"
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{japan_today()}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=gettext_lazy("Export the full records of the selected items (ZIP)"))
def export_records(model_admin, request, queryset):
    if queryset.count() > MOST_ITEMS:
        message = _("A record package holds at most %(most)d items: select fewer.") % {"most": MOST_ITEMS}
        model_admin.message_user(request, message, messages.ERROR)
        return None
    return record_download(request, queryset)


def export_actions() -> list:
    """The list's actions that export the selected items."""

    def make(file_format: str):
        def handler(model_admin, request, queryset):
            return item_download(queryset.order_by("due_date", "pk"), file_format)

        handler.__name__ = f"export_{file_format}"
        return admin.action(description=EXPORT_ACTION_LABELS[file_format])(handler)

    return [*(make(file_format) for file_format in EXPORT_FORMATS), export_records]
