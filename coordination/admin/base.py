"""What every admin page of the tracker shares: the site's door, and one mixin that asks `coordination.access`.

`RestrictedAdmin` applies the access rule of its model to the queryset, to the view, add and change permissions,
to every foreign-key and many-to-many choice (and so to autocomplete, which lists the related admin's queryset),
and to the history pages, which are read-only for everyone. No admin re-derives who sees or changes what.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from coordination.access import RULES, listed, may_add, may_change, may_view, restrict
from coordination.models import DepartmentMember
from coordination.selectors import request_viewer


def restrict_choices(field, request):
    """Narrow a choice field (a form field for a foreign key or many-to-many) to what the requester may see."""
    queryset = getattr(field, "queryset", None)
    if queryset is not None and queryset.model in RULES:
        field.queryset = queryset & restrict(queryset.model, request_viewer(request))
    return field


class VisibleRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter on a relation offering the related rows the requester may see (the related model's own rule), not
    every row: no other department's initiative or meeting is named. Unlike Django's "related only" filter it reads
    the small related table, not the distinct values of every listed row (five scans of the item table a page)."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        if related not in RULES:
            return admin.RelatedOnlyFieldListFilter.field_choices(self, field, request, model_admin)
        visible = restrict(related, request_viewer(request))
        if related is get_user_model():
            # People who coordinate or direct (or did) in a department, of those the requester sees.
            visible = visible.filter(pk__in=DepartmentMember.objects.values("user_id"))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=Q(pk__in=visible.values("pk"))
        )


class RestrictedAccess:
    """Model admin behaviour: every page follows `coordination.access` for its model. Nothing is deleted here."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows & restrict(self.model, request_viewer(request))

    def has_module_permission(self, request):
        return listed(self.model, request_viewer(request))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request) or self.has_add_permission(request)
        return may_view(request_viewer(request), obj)

    def has_add_permission(self, request, *args):
        return may_add(self.model, request_viewer(request))

    def has_change_permission(self, request, obj=None):
        viewer = request_viewer(request)
        if obj is not None and not may_view(viewer, obj):
            return False
        return may_change(viewer, obj if obj is not None else self.model)

    def has_delete_permission(self, request, obj=None):
        return False  # nothing people worked on is deleted: deactivate, end or cancel it instead

    def get_list_filter(self, request):
        """Filters on a relation offer only the related rows the requester may see."""
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and "__" not in entry:
                try:
                    field = self.model._meta.get_field(entry)
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation:
                    entry = (entry, VisibleRelatedFieldListFilter)
            filters.append(entry)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return restrict_choices(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return restrict_choices(super().formfield_for_manytomany(db_field, request, **kwargs), request)


class _DryRun(Exception):
    """Raised to roll back a service call made only to learn whether it would be refused."""


def service_refusal(call) -> ValidationError | PermissionDenied | None:
    """Run `call` in a transaction that is always rolled back; return the service's refusal, if any."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        return None
    except (ValidationError, PermissionDenied) as error:
        return error


def add_service_error(form, error: Exception) -> None:
    """Show a service's refusal on the form, on the field it names when the form has that field."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    elif hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ServiceSaved:
    """An admin whose saves go through a service (`service_save`), which checks the rules again and records who
    changed what. The form asks the service first, in a transaction rolled back, so a refusal shows on the form
    instead of failing the request."""

    def service_save(self, request, obj, form, change):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceCheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if not self.errors:
                    refusal = service_refusal(lambda: model_admin.service_save(request, self.instance, self, change))
                    if refusal is not None:
                        add_service_error(self, refusal)
                return cleaned

        ServiceCheckedForm.__name__ = form_class.__name__
        return ServiceCheckedForm

    def save_model(self, request, obj, form, change):
        obj.pk = self.service_save(request, obj, form, change).pk
        obj.refresh_from_db()  # what the service saved, for the log entry and the next page

    def save_related(self, request, form, formsets, change):
        """The service saved what the form holds; inlines here are read-only."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RestrictedModelAdmin(RestrictedAccess, admin.ModelAdmin):
    """For records without a change history of their own (the system writes them)."""


class RestrictedAdmin(RestrictedAccess, SimpleHistoryAdmin):
    """For records with a change history: shown to those who see the object, never a way to change it."""

    # Fields never rendered on a history page (secrets are shown once, when created or rotated).
    history_hidden_fields: tuple[str, ...] = ()

    def revert_disabled(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such object."))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version, as a read-only list of its fields; nothing here is ever saved."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such object."))
        version = self.model.history.filter(id=obj.pk, history_id=unquote(version_id)).first()
        if version is None:
            raise Http404(_("No such version."))
        hidden = set(self.history_hidden_fields)
        rows = []
        for field in self.model._meta.fields:
            if field.name in hidden or field.name == "id":
                continue
            try:
                value = getattr(version, field.attname)
            except (AttributeError, FieldDoesNotExist):
                continue
            if field.is_relation and value is not None:
                related = (
                    restrict(field.related_model, request_viewer(request)).filter(pk=value).first()
                    if (field.related_model in RULES)
                    else None
                )
                value = str(related) if related is not None else _("(not shown)")
            elif field.choices:
                value = dict(field.flatchoices).get(value, value)
            rows.append((field.verbose_name, value))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "version": version,
            "rows": rows,
            "title": _("%(object)s as it was on %(date)s") % {"object": obj, "date": version.history_date},
        }
        return TemplateResponse(request, "admin/tracker/history_version.html", context)


class ReadOnlyAdmin:
    """Records the system keeps (heartbeats, the reminder ledger, webhook deliveries): shown, never edited."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
