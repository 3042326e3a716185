"""What the API shows and accepts. Output serializers shape data; input serializers list the writable fields."""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Liaison, OrgUnit
from coordination import workflow
from coordination.calendar import japan_today
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    Department,
    ExtensionRequest,
    Initiative,
    IntegrationAccount,
    Meeting,
    ProgressUpdate,
    Reminder,
)
from coordination.selectors import action_item_roles, item_ids_seen
from users.models import ApiToken

from .permissions import request_viewer

User = get_user_model()

# Priorities travel as words; they sort by rank (low < normal < high < urgent).
PRIORITY_NAMES = {choice.value: choice.name.lower() for choice in ActionItem.Priority}
PRIORITY_VALUES = {name: value for value, name in PRIORITY_NAMES.items()}


class PriorityField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(PRIORITY_VALUES), **kwargs)

    def to_representation(self, value):
        return PRIORITY_NAMES[int(value)]

    def to_internal_value(self, data):
        return PRIORITY_VALUES[super().to_internal_value(data)]


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)


class StrictInputSerializer(serializers.Serializer):
    # Refuses fields it does not list, instead of silently ignoring them: no mass assignment by any route. (A
    # comment, not a docstring: the schema would show it as the description of every input.)

    refusals: dict[str, str] = {}

    def __init__(self, *args, visible_items=None, **kwargs):
        self.visible_items = visible_items
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [self.refusals.get(name, _("This field cannot be written here."))] for name in unknown}
                )
        return super().to_internal_value(data)


# --- Reference data --------------------------------------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ("id", "code", "name_en", "name_ja", "parent", "is_active", "updated_at")


class OrgUnitSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ("id", "agency", "parent", "name_en", "name_ja", "is_active", "updated_at")


class LiaisonSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    in_office = serializers.SerializerMethodField()

    class Meta:
        model = Liaison
        fields = (
            "id",
            "username",
            "full_name",
            "agency",
            "org_unit",
            "role",
            "start_date",
            "end_date",
            "in_office",
            "updated_at",
        )

    def get_in_office(self, liaison) -> bool:
        return liaison.is_active_on(japan_today())


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "code", "name_en", "name_ja", "is_active", "updated_at")


class MeetingSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ("id", "department", "title", "title_ja", "held_on", "agencies", "notes", "updated_at")


class InitiativeSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Initiative
        fields = ("id", "code", "department", "title_en", "title_ja", "description", "is_active", "updated_at")


class MeetingWriteSerializer(StrictInputSerializer):
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.filter(is_active=True))
    title = serializers.CharField(max_length=200)
    title_ja = serializers.CharField(max_length=200, required=False, allow_blank=True)
    held_on = serializers.DateField()
    agencies = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all(), many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class MeetingUpdateSerializer(MeetingWriteSerializer):
    refusals = {"department": _("A meeting stays in its department.")}

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        del self.fields["department"]


class InitiativeWriteSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=32)
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.filter(is_active=True))
    title_en = serializers.CharField(max_length=200)
    title_ja = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class InitiativeUpdateSerializer(InitiativeWriteSerializer):
    refusals = {"department": _("An initiative stays in its department.")}

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        del self.fields["department"]


class LiaisonEndTermSerializer(StrictInputSerializer):
    end_date = serializers.DateField(
        required=False, help_text=_("The first day without access; today (the default) ends access at once.")
    )


class LiaisonAppointSerializer(StrictInputSerializer):
    username = UsernameField(queryset=get_user_model().objects.filter(is_active=True))
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    role = serializers.ChoiceField(choices=Liaison.Role.choices, required=False)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    start_date = serializers.DateField(required=False, help_text=_("The first day of access; today by default."))


# --- Accounts and tokens ---------------------------------------------------------------------------------------------


class IntegrationAccountSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.first_name", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)
    created_by = UsernameField(read_only=True, allow_null=True)

    class Meta:
        model = IntegrationAccount
        fields = (
            "id",
            "username",
            "display_name",
            "department",
            "agency",
            "read_only",
            "description",
            "is_active",
            "created_by",
            "created_at",
            "updated_at",
        )


class IntegrationAccountWriteSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True
    )
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all(), required=False)
    read_only = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class IntegrationAccountUpdateSerializer(StrictInputSerializer):
    refusals = {
        "username": _("An account's name stays as it was created."),
        "department": _("An account stays with its department or agency."),
        "agency": _("An account stays with its department or agency."),
    }
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    read_only = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text=_("An inactive account's tokens are refused."))


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as listed: never any part of its key."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    created_by = UsernameField(read_only=True, allow_null=True)
    revoked_by = UsernameField(read_only=True, allow_null=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "username",
            "read_only",
            "created",
            "created_by",
            "issued_from",
            "expiry",
            "revoked_at",
            "revoked_by",
            "last_used_at",
        )


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("Shown in this answer only: it is not stored."))

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "key")


class ApiTokenIssueSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    username = UsernameField(
        queryset=get_user_model().objects.all(),
        required=False,
        help_text=_("Whose token: yourself by default, or a tool's account you manage."),
    )
    expires_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3650)
    read_only = serializers.BooleanField(required=False)


# --- Action items ----------------------------------------------------------------------------------------------------


class FieldsBuiltOnce:
    """For a ModelSerializer: its fields worked out from the model once per class, where DRF works them out again
    for every serializer made (for an item and its answers, a fifth of a write's own Python time). Each serializer
    still gets field objects of its own, made as DRF copies a field: its class called with the arguments it was made
    with."""

    def get_fields(self):
        made = type(self).__dict__.get("_fields_made")
        if made is None:
            fields = super().get_fields()
            declared = set(self._declared_fields)
            made = {name: (None if name in declared else field) for name, field in fields.items()}
            type(self)._fields_made = made
            return fields
        declared = copy.deepcopy(self._declared_fields)
        return {
            name: declared[name] if field is None else type(field)(*field._args, **field._kwargs)
            for name, field in made.items()
        }


class ConcurrenceSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responded_by = UsernameField(read_only=True, allow_null=True)

    class Meta:
        model = Concurrence
        fields = ("agency", "state", "comment", "responded_by", "responded_at")


class ActionItemSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """An item as every reader sees it, with the transitions the reader may make now."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    supporting_agencies = ConcurrenceSerializer(source="concurrences", many=True, read_only=True)
    coordinator = UsernameField(read_only=True, allow_null=True)
    priority = PriorityField(read_only=True)
    parent = serializers.SerializerMethodField(
        help_text=_("The parent item's id; null when there is none or when you cannot see it (see parent_hidden).")
    )
    parent_hidden = serializers.SerializerMethodField(help_text=_("True when the parent is an item you cannot see."))
    dependencies = serializers.SerializerMethodField(
        help_text=_("The ids of the items this one depends on that you see.")
    )
    hidden_dependencies = serializers.SerializerMethodField(
        help_text=_("How many items this one depends on that you cannot see.")
    )
    recurrence_previous = serializers.SerializerMethodField(
        help_text=_("The previous occurrence's id; null when there is none or you cannot see it.")
    )
    overdue = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = (
            "id",
            "external_id",
            "title",
            "title_ja",
            "description",
            "department",
            "initiative",
            "meeting",
            "coordinator",
            "lead_agency",
            "supporting_agencies",
            "assigned_liaison",
            "org_unit",
            "priority",
            "due_date",
            "original_due_date",
            "status",
            "status_reason",
            "percent_complete",
            "marking",
            "recurrence",
            "recurrence_previous",
            "parent",
            "parent_hidden",
            "dependencies",
            "hidden_dependencies",
            "close_override_reason",
            "overdue",
            "allowed_transitions",
            "created_at",
            "updated_at",
            "assigned_at",
            "acknowledged_at",
            "submitted_at",
            "closed_at",
            "last_progress_at",
        )
        read_only_fields = fields

    def get_overdue(self, item) -> bool:
        return item.is_overdue_on(self.context.get("today") or japan_today())

    def _seen_links(self, item) -> set[int]:
        """Which of the items linked to this page's items the reader sees: one query per page, not per item."""
        cached = self.context.get("_seen_links")
        if cached is None or item.pk not in cached[0]:
            page = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else [item]
            page = list(page or [item])
            linked = {pk for row in page for pk in (row.parent_id, row.recurrence_previous_id) if pk}
            linked |= {dependency.pk for row in page for dependency in row.dependencies.all()}
            request = self.context.get("request")
            seen = item_ids_seen(request_viewer(request), linked) if request is not None else set()
            cached = ({row.pk for row in page}, seen)
            self.context["_seen_links"] = cached
        return cached[1]

    def get_parent(self, item) -> int | None:
        return item.parent_id if item.parent_id in self._seen_links(item) else None

    def get_parent_hidden(self, item) -> bool:
        return item.parent_id is not None and item.parent_id not in self._seen_links(item)

    def get_dependencies(self, item) -> list[int]:
        return sorted(
            dependency.pk for dependency in item.dependencies.all() if dependency.pk in self._seen_links(item)
        )

    def get_hidden_dependencies(self, item) -> int:
        return sum(1 for dependency in item.dependencies.all() if dependency.pk not in self._seen_links(item))

    def get_recurrence_previous(self, item) -> int | None:
        previous = item.recurrence_previous_id
        return previous if previous in self._seen_links(item) else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(workflow.TRANSITIONS))))
    def get_allowed_transitions(self, item) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        roles = action_item_roles(request_viewer(request), item)
        return [transition.name for transition in workflow.available_transitions(item.status, roles)]


class ActionItemWriteSerializer(StrictInputSerializer):
    """The fields of an item a client may send. Which of them the sender may change is the workflow's decision."""

    refusals = {
        "status": _(
            "Status changes only through the transition endpoints, e.g. POST /api/v1/action-items/{id}/close/."
        ),
        "original_due_date": _("The original due date is kept by the tracker; ask for an extension instead."),
        "percent_complete": _("Percent complete comes with a progress update (POST …/updates/)."),
    }

    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False)
    title_ja = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.filter(is_active=True))
    initiative = serializers.PrimaryKeyRelatedField(queryset=Initiative.objects.all(), required=False, allow_null=True)
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all(), required=False, allow_null=True)
    coordinator = UsernameField(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    lead_agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    supporting_agencies = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.all(), many=True, required=False
    )
    assigned_liaison = serializers.PrimaryKeyRelatedField(
        queryset=Liaison.objects.all(), required=False, allow_null=True
    )
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    priority = PriorityField(required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    marking = serializers.ChoiceField(choices=ActionItem.Marking.choices, required=False)
    recurrence = serializers.ChoiceField(choices=ActionItem.Recurrence.choices, required=False, allow_blank=True)
    parent = serializers.PrimaryKeyRelatedField(queryset=ActionItem.objects.none(), required=False, allow_null=True)
    dependencies = serializers.PrimaryKeyRelatedField(queryset=ActionItem.objects.none(), many=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visible_items = self.visible_items
        # Only items the sender can see may be named, so an id's existence never leaks through an error message.
        if visible_items is not None:
            self.fields["parent"].queryset = visible_items
            self.fields["dependencies"].child_relation.queryset = visible_items


class ActionItemUpdateSerializer(ActionItemWriteSerializer):
    """PATCH: every field optional; fields the sender's role may not change are refused by the service."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ActionItemUpsertSerializer(ActionItemWriteSerializer):
    """Create or update by (department, external_id), for tools that keep their own copy of items."""

    external_id = serializers.CharField(max_length=100)


class TransitionSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Required for decline, block, return, cancel and reopen."),
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("close only: why the item closes although not every supporting agency has concurred."),
    )


class RouteSerializer(StrictInputSerializer):
    assigned_liaison = serializers.PrimaryKeyRelatedField(queryset=Liaison.objects.all(), allow_null=True)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), allow_null=True, required=False)


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = UsernameField(read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ("id", "author", "text", "percent_complete", "created_at")
        read_only_fields = ("id", "author", "created_at")


class ProgressUpdateInputSerializer(StrictInputSerializer):
    text = serializers.CharField()
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by = UsernameField(read_only=True)
    decided_by = UsernameField(read_only=True, allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = (
            "id",
            "action_item",
            "requested_by",
            "requested_due_date",
            "previous_due_date",
            "reason",
            "state",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ExtensionRequestInputSerializer(StrictInputSerializer):
    requested_due_date = serializers.DateField()
    reason = serializers.CharField()


class ExtensionDecisionSerializer(StrictInputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, help_text=_("Required to deny."))


class ConcurrenceInputSerializer(StrictInputSerializer):
    agency = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Agency.objects.all(),
        required=False,
        help_text=_("The supporting agency answering; may be left out when you serve only one of them."),
    )
    state = serializers.ChoiceField(choices=[Concurrence.State.CONCUR, Concurrence.State.NON_CONCUR])
    comment = serializers.CharField(required=False, allow_blank=True, help_text=_("Required for non_concur."))


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The history row's id (unique per kind of record)."))
    record = serializers.ChoiceField(
        choices=["action_item", "concurrence", "progress_update", "extension_request", "attachment"]
    )
    record_id = serializers.IntegerField(help_text=_("The id of the record that changed."))
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    change = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UsernameField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "filename", "content_type", "size", "sha256", "uploaded_by", "created_at", "download_url")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        path = f"/api/v1/action-items/{attachment.action_item_id}/attachments/{attachment.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AttachmentUploadSerializer(StrictInputSerializer):
    file = serializers.FileField()


class ImportUploadSerializer(StrictInputSerializer):
    file = serializers.FileField(help_text=_("An Excel workbook (.xlsx) or a CSV file (.csv) of items."))
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text=_("true: report what would happen and write nothing.")
    )


class ImportRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text=_("The row as the spreadsheet numbers it (headings are row 1)."))
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "refused"])
    item_id = serializers.IntegerField(allow_null=True, help_text=_("The item created or updated."))
    external_id = serializers.CharField()
    title = serializers.CharField()
    changes = serializers.ListField(child=serializers.CharField(), help_text=_("The fields set or changed."))
    errors = serializers.ListField(child=serializers.CharField(), help_text=_("Why the row is refused."))


class ImportReportSerializer(serializers.Serializer):
    imported = serializers.BooleanField(help_text=_("Whether the rows were written (never on a dry run)."))
    ignored_columns = serializers.ListField(child=serializers.CharField())
    rows = ImportRowSerializer(many=True)


class BusinessDaysQuerySerializer(StrictInputSerializer):
    start = serializers.DateField(
        help_text=_(
            "The day to count from, between 2000-01-01 and 2100-12-31. A start on a closed day (a weekend, a "
            "national holiday, 29 December to 3 January or an extra closure day) first moves to the next "
            "business day, then the count begins; with add=0 the answer is that business day."
        )
    )
    add = serializers.IntegerField(
        min_value=-3650,
        max_value=3650,
        help_text=_("How many business days to add (negative: go back), from -3650 to 3650."),
    )


class BusinessDaysSerializer(serializers.Serializer):
    start = serializers.DateField()
    add = serializers.IntegerField()
    date = serializers.DateField()


class ReminderSerializer(serializers.ModelSerializer):
    recipient = UsernameField(read_only=True)

    class Meta:
        model = Reminder
        fields = (
            "id",
            "action_item",
            "rule",
            "recipient",
            "is_copy",
            "occurrence",
            "due_on",
            "state",
            "attempts",
            "last_error",
            "created_at",
            "claimed_at",
            "sent_at",
        )
        read_only_fields = fields
