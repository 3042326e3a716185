"""API views: thin. They read through the selectors, write through the services, and shape data with serializers."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Liaison, OrgUnit
from coordination import services, workflow
from coordination.access import may_add, tokens_issuable_for
from coordination.attachments import ALLOWED_CONTENT_TYPES, attachment_response
from coordination.calendar import get_calendar, japan_today
from coordination.models import (
    ActionItem,
    Department,
    ExtensionRequest,
    Initiative,
    IntegrationAccount,
    Meeting,
    Reminder,
)
from coordination.record_package import MOST_ITEMS
from coordination.selectors import (
    action_item_history,
    action_items_visible_to,
    action_items_with_details,
)
from coordination.sheets.exports import item_sheet
from coordination.sheets.imports import FileRefused, import_batch_create, import_batch_run
from coordination.sheets.writers import XLSX_TYPE
from users.models import ApiToken
from users.services import api_token_issue, api_token_revoke

from . import serializers as s
from .concurrency import IdempotentPostMixin, check_if_match, etag_for
from .filters import ActionItemFilter, ItemOrderingFilter, ItemSearchFilter, OrgUnitFilter, ReminderFilter
from .listing import item_list_values, item_rows
from .pagination import (
    ItemCursorPagination,
    NewestFirstCursorPagination,
    ReferenceCursorPagination,
    TokenCursorPagination,
    UpdatedCursorPagination,
)
from .permissions import RestrictedQuerysetMixin, request_viewer
from .renderers import CSVRenderer, XLSXRenderer, ZipRenderer

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag from your last read of the item: the change is refused with 412 if the item changed since.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag you hold: the answer is 304 with no body while the item still has it.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retry with the same key returns the first answer and does nothing.",
)


class AnyMediaRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header; errors still come back as JSON."""

    media_type = "*/*"
    format = "download"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


# --- Reference data --------------------------------------------------------------------------------------------------


class ReferenceViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = ReferenceCursorPagination

    def write_serializer(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class AgencyViewSet(ReferenceViewSet):
    """Ministries and agencies (MOD, MOFA, JCG under MLIT, ...)."""

    queryset = Agency.objects.select_related("parent")
    serializer_class = s.AgencySerializer


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class OrgUnitViewSet(ReferenceViewSet):
    """Bureaus, divisions and offices inside the agencies."""

    queryset = OrgUnit.objects.select_related("agency")
    serializer_class = s.OrgUnitSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrgUnitFilter


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class LiaisonViewSet(IdempotentPostMixin, mixins.CreateModelMixin, ReferenceViewSet):
    """Liaison terms: coordinators see every agency's, a liaison sees their own agencies'."""

    http_method_names = ["get", "post", "head", "options"]

    serializer_class = s.LiaisonSerializer
    queryset = Liaison.objects.select_related("user", "agency")

    @extend_schema(
        tags=["reference"],
        summary="Appoint a liaison (superusers; a ministry's primary liaison its alternates)",
        request=s.LiaisonAppointSerializer,
        responses={201: s.LiaisonSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request, *args, **kwargs):
        data = self.write_serializer(s.LiaisonAppointSerializer)
        data["user"] = data.pop("username")
        liaison = services.liaison_appoint(actor=request.user, **data)
        return Response(s.LiaisonSerializer(liaison).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["reference"],
        summary="End a liaison's term (superusers; a primary liaison their alternates'): access stops on the end date",
        request=s.LiaisonEndTermSerializer,
        responses=s.LiaisonSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="end-term")
    def end_term(self, request, pk=None):
        data = self.write_serializer(s.LiaisonEndTermSerializer)
        liaison = services.liaison_end_term(actor=request.user, liaison=self.get_object(), **data)
        return Response(s.LiaisonSerializer(liaison).data)


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class DepartmentViewSet(ReferenceViewSet):
    """Coordinating departments (the security cooperation department, the strategic communications center)."""

    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer


class CoordinatorWritesMixin(IdempotentPostMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Create and PATCH through services; the department's coordinators and director only (the service decides)."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    write_serializer_class = None
    update_serializer_class = None
    create_service = None
    update_service = None

    def create(self, request, *args, **kwargs):
        data = self.write_serializer(self.write_serializer_class)
        instance = type(self).create_service(actor=request.user, **data)
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        data = self.write_serializer(self.update_serializer_class)
        instance = type(self).update_service(
            actor=request.user, changes=data, **{self.instance_name: self.get_object()}
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)


def reference_writes(name: str):
    """Schema for a reference resource that coordinators also create and change."""
    return extend_schema_view(
        list=extend_schema(tags=["reference"]),
        retrieve=extend_schema(tags=["reference"]),
        create=extend_schema(
            tags=["reference"],
            summary=f"Create a {name} (the department's coordinators and director)",
            request=getattr(s, f"{name.capitalize()}WriteSerializer"),
            parameters=[IDEMPOTENCY_KEY],
        ),
        partial_update=extend_schema(
            tags=["reference"],
            summary=f"Change a {name} (the department's coordinators and director)",
            request=getattr(s, f"{name.capitalize()}UpdateSerializer"),
        ),
    )


@reference_writes("meeting")
class MeetingViewSet(CoordinatorWritesMixin, ReferenceViewSet):
    """Interagency meetings: coordinators see their departments', a liaison those their agency took part in."""

    serializer_class = s.MeetingSerializer
    queryset = Meeting.objects.select_related("department").prefetch_related("agencies")
    write_serializer_class = s.MeetingWriteSerializer
    update_serializer_class = s.MeetingUpdateSerializer
    create_service = staticmethod(services.meeting_create)
    update_service = staticmethod(services.meeting_update)
    instance_name = "meeting"


@reference_writes("initiative")
class InitiativeViewSet(CoordinatorWritesMixin, ReferenceViewSet):
    """Lines of effort that items belong to."""

    queryset = Initiative.objects.select_related("department")
    serializer_class = s.InitiativeSerializer
    write_serializer_class = s.InitiativeWriteSerializer
    update_serializer_class = s.InitiativeUpdateSerializer
    create_service = staticmethod(services.initiative_create)
    update_service = staticmethod(services.initiative_update)
    instance_name = "initiative"


# --- Accounts and tokens ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["accounts"], summary="The tools' accounts you manage"),
    retrieve=extend_schema(tags=["accounts"]),
    create=extend_schema(
        tags=["accounts"],
        summary="Create a tool's account for your department (coordinators) or agency (primary liaison)",
        request=s.IntegrationAccountWriteSerializer,
        parameters=[IDEMPOTENCY_KEY],
    ),
    partial_update=extend_schema(
        tags=["accounts"],
        summary="Rename, describe, make read-only or deactivate a tool's account",
        request=s.IntegrationAccountUpdateSerializer,
    ),
)
class IntegrationAccountViewSet(CoordinatorWritesMixin, ReferenceViewSet):
    """Accounts for tools, with no password: they act by tokens, with their department's or agency's rights."""

    queryset = IntegrationAccount.objects.select_related("user", "department", "agency", "created_by")
    serializer_class = s.IntegrationAccountSerializer
    write_serializer_class = s.IntegrationAccountWriteSerializer
    update_serializer_class = s.IntegrationAccountUpdateSerializer
    create_service = staticmethod(services.integration_account_create)
    update_service = staticmethod(services.integration_account_update)
    instance_name = "account"


@extend_schema_view(
    list=extend_schema(tags=["accounts"], summary="Your tokens and those of the tools' accounts you manage"),
    retrieve=extend_schema(tags=["accounts"]),
)
class ApiTokenViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """API tokens: a person issues and revokes their own and their tools' accounts'; a key is shown once."""

    queryset = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    serializer_class = s.ApiTokenSerializer
    pagination_class = TokenCursorPagination
    lookup_field = "public_id"
    lookup_url_kwarg = "pk"

    @extend_schema(
        tags=["accounts"],
        summary="Issue a token; the answer holds its key, shown this once and never stored",
        request=s.ApiTokenIssueSerializer,
        responses={201: s.ApiTokenIssuedSerializer},
    )
    def create(self, request, *args, **kwargs):
        viewer = request_viewer(request)
        if not may_add(ApiToken, viewer):
            raise PermissionDenied(_("A tool's account issues no tokens; the people who manage it do."))
        serializer = s.ApiTokenIssueSerializer(data=request.data)
        serializer.fields["username"].queryset = tokens_issuable_for(viewer)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, key = api_token_issue(
            actor=request.user,
            user=data.get("username", request.user),
            name=data["name"],
            expires_days=data.get("expires_days"),
            read_only=data.get("read_only", False),
        )
        token.key = key
        response = Response(s.ApiTokenIssuedSerializer(token).data, status=status.HTTP_201_CREATED)
        response.headers["Cache-Control"] = "no-store"
        return response

    @extend_schema(tags=["accounts"], summary="Revoke a token: it stops working at once", request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = api_token_revoke(actor=request.user, token=self.get_object())
        return Response(s.ApiTokenSerializer(token).data)

    def get_object(self):
        try:
            return super().get_object()
        except DjangoValidationError:  # not a UUID
            raise NotFound() from None


# --- Calendar --------------------------------------------------------------------------------------------------------


class BusinessDaysView(APIView):
    """Add business days on the government calendar, exactly as the tracker computes due dates."""

    @extend_schema(
        tags=["calendar"],
        parameters=[s.BusinessDaysQuerySerializer],
        responses=s.BusinessDaysSerializer,
        summary="Add business days to a date",
    )
    def get(self, request):
        query = s.BusinessDaysQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        start, add = query.validated_data["start"], query.validated_data["add"]
        if not 2000 <= start.year <= 2100:
            raise ValidationError({"start": [_("Give a date between 2000 and 2100.")]})
        result = get_calendar().add_business_days(start, add)
        return Response(s.BusinessDaysSerializer({"start": start, "add": add, "date": result}).data)


# --- Action items ----------------------------------------------------------------------------------------------------


# The relations of an item a write reads with it, under its lock, beyond those its representation shows: the ones the
# services' checks follow at every edit (coordination.services.action_items._validate_item: the assigned liaison's
# term). The other links are checked only when they change, and not joined: each joined table costs PostgreSQL
# planning time on every write.
ITEM_WRITE_RELATIONS = ("assigned_liaison",)


def transition_summary(name: str) -> str:
    transition = workflow.TRANSITIONS[name]
    reason = " A reason is required." if transition.reason_required else ""
    return f"{transition.label} ({', '.join(sorted(transition.sources))} → {transition.target}).{reason}"


@extend_schema_view(
    list=extend_schema(
        tags=["action items"],
        summary="List the items you can see (JSON pages, or every matching item as an XLSX or CSV file)",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "xlsx", "csv"],
                description=(
                    "xlsx or csv: every item the filters, search and ordering select, as one file (no pages), with "
                    "headings in your language and times in Japan time; a restricted item shows only its id, titles "
                    "and due date. The Accept header can ask for the same (text/csv, or the XLSX media type)."
                ),
            )
        ],
        responses={
            (200, "application/json"): s.ActionItemSerializer(many=True),
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
    ),
    retrieve=extend_schema(
        tags=["action items"],
        summary="One item, with its ETag",
        parameters=[IF_NONE_MATCH],
        responses={
            200: s.ActionItemSerializer,
            304: OpenApiResponse(description="The item has not changed since the ETag sent in If-None-Match."),
        },
    ),
)
class ActionItemViewSet(IdempotentPostMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Action items: read what you may see; write through the workflow's rules, as in the admin."""

    queryset = ActionItem.objects.none()
    serializer_class = s.ActionItemSerializer
    filter_backends = [DjangoFilterBackend, ItemSearchFilter, ItemOrderingFilter]
    filterset_class = ActionItemFilter
    pagination_class = ItemCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    # -- reading

    def visible_items(self):
        return action_items_visible_to(self.request.user, today=japan_today(), viewer=request_viewer(self.request))

    def get_renderers(self):
        # The list also comes as a file; every other answer is JSON. (No action: a method the route does not take,
        # answered 405 whatever format was asked for.)
        renderers = super().get_renderers()
        if getattr(self, "action", None) in ("list", None):
            renderers += [XLSXRenderer(), CSVRenderer()]
        if getattr(self, "action", None) in ("record", "records"):
            renderers += [ZipRenderer()]
        return renderers

    def list(self, request, *args, **kwargs):
        file_format = request.accepted_renderer.format
        if file_format not in ("xlsx", "csv"):
            # Rows from plain values (listing.py): the same representation as one item's, at the database's pace.
            viewer = request_viewer(request)
            page = self.paginate_queryset(self.filter_queryset(self.visible_items()))  # as rows: `page_rows`
            rows = item_rows(page, viewer=viewer, today=japan_today())
            return self.get_paginated_response(rows)
        items = self.filter_queryset(self.get_queryset())
        with translation.override(request.user.preferred_language or translation.get_language()):
            sheet = item_sheet(items)
        response = Response(sheet)
        response["Content-Disposition"] = f'attachment; filename="action-items-{japan_today()}.{file_format}"'
        response["Cache-Control"] = "no-store"
        return response

    def page_rows(self, items):
        """`items` as the list's rows, which `pagination.ItemCursorPagination` pages (a search in its own order reads
        the rows of its page alone through this)."""
        return item_list_values(items, viewer=request_viewer(self.request))

    def get_queryset(self):
        return action_items_with_details(self.visible_items())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": japan_today()}

    def item_response(self, pk: int, *, status_code: int = status.HTTP_200_OK, location: bool = False) -> Response:
        """The item as it is now, with its ETag (and Location for a new item)."""
        item = action_items_with_details(ActionItem.objects.filter(pk=pk)).get()
        data = self.get_serializer(item).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_for(data)
        if location:
            response["Location"] = f"/api/v1/action-items/{pk}/"
        return response

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        etag = etag_for(data)
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def locked_item(self) -> ActionItem:
        """The item named in the URL, locked, if the requester sees it and If-Match (when sent) still matches: read
        under the lock with what its representation shows and the relations the services' checks follow."""
        # Locked through what the requester sees (404 for an item they cannot see, or an id that is not a number):
        # one statement locks the item's row and reads it, then what it holds is read under the lock.
        rows = self.get_queryset().select_related(*ITEM_WRITE_RELATIONS).select_for_update(of=("self",))
        try:
            item = rows.get(pk=self.kwargs["pk"])
        except (ActionItem.DoesNotExist, TypeError, ValueError, DjangoValidationError):
            raise NotFound() from None
        self.item_context = self.get_serializer_context()
        check_if_match(self.request, lambda: etag_for(self.get_serializer(item, context=self.item_context).data))
        return item

    def changed_item_response(self, item: ActionItem, *, links_changed: bool = False) -> Response:
        """The item `locked_item` gave, as a service changed it in place, with its ETag. Shown from memory: what it
        holds was read under the lock and the service changed the item's own fields only. Which linked items the
        requester sees is looked at again when its links (parent) changed."""
        context = self.get_serializer_context() if links_changed else self.item_context
        data = self.get_serializer(item, context=context).data
        return Response(data, headers={"ETag": etag_for(data)})

    def write_serializer(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, visible_items=self.visible_items(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    # -- creating and changing

    @extend_schema(
        tags=["action items"],
        summary="Create a draft item (coordinators)",
        request=s.ActionItemWriteSerializer,
        responses={201: s.ActionItemSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request, *args, **kwargs):
        fields = self.write_serializer(s.ActionItemWriteSerializer)
        item = services.action_item_create(actor=request.user, title=fields.pop("title", ""), **fields)
        return self.item_response(item.pk, status_code=status.HTTP_201_CREATED, location=True)

    @extend_schema(
        tags=["action items"],
        summary="Change fields (each must be one your role may change now; status only by transitions)",
        request=s.ActionItemUpdateSerializer,
        responses=s.ActionItemSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request, *args, **kwargs):
        changes = self.write_serializer(s.ActionItemUpdateSerializer)
        with transaction.atomic():
            item = self.locked_item()
            services.action_item_update(
                actor=request.user, item=item, changes=changes, viewer=request_viewer(request), locked=True
            )
        if changes.keys() & {"supporting_agencies", "dependencies"}:
            return self.item_response(item.pk)  # what the item holds has changed: read again
        return self.changed_item_response(item, links_changed="parent" in changes)

    @extend_schema(
        tags=["action items"],
        summary="Create or update the item with this external_id in this department (for syncing tools)",
        request=s.ActionItemUpsertSerializer,
        responses={200: s.ActionItemSerializer, 201: s.ActionItemSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=False, methods=["post"], url_path="upsert")
    def upsert(self, request):
        fields = self.write_serializer(s.ActionItemUpsertSerializer)
        with transaction.atomic():
            existing = (
                self.visible_items()
                .select_for_update()
                .filter(department=fields["department"], external_id=fields["external_id"])
                .first()
            )
            if existing is None:
                item = services.action_item_create(actor=request.user, title=fields.pop("title", ""), **fields)
                created = True
            else:
                check_if_match(request, etag_for(self.get_serializer(self.get_queryset().get(pk=existing.pk)).data))
                fields.pop("department")
                fields.pop("external_id")
                item = services.action_item_update(actor=request.user, item=existing, changes=fields)
                created = False
        return self.item_response(
            item.pk, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK, location=created
        )

    def run_transition(self, request, name: str) -> Response:
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            item = self.locked_item()
            services.action_item_transition(
                actor=request.user,
                item=item,
                name=name,
                viewer=request_viewer(request),
                locked=True,
                **serializer.validated_data,
            )
        return self.changed_item_response(item)

    @extend_schema(
        tags=["workflow"],
        summary="Route inside the lead agency: to another of its liaisons and/or one of its units",
        request=s.RouteSerializer,
        responses=s.ActionItemSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        serializer = s.RouteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            item = self.locked_item()
            services.action_item_route(
                actor=request.user,
                item=item,
                liaison=serializer.validated_data["assigned_liaison"],
                org_unit=serializer.validated_data.get("org_unit"),
                viewer=request_viewer(request),
                locked=True,
            )
        return self.changed_item_response(item)

    # -- what hangs off an item

    def visible_item(self) -> ActionItem:
        return get_object_or_404(self.visible_items(), pk=self.kwargs["pk"])

    @extend_schema(
        methods=["GET"],
        tags=["progress"],
        summary="Progress updates, newest first",
        responses=s.ProgressUpdateSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        tags=["progress"],
        summary="Post a progress update (lead agency)",
        request=s.ProgressUpdateInputSerializer,
        responses={201: s.ProgressUpdateSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def updates(self, request, pk=None):
        item = self.visible_item()
        if request.method == "GET":
            updates = item.updates.select_related("author")
            return Response(s.ProgressUpdateSerializer(updates, many=True).data)
        data = self.write_serializer(s.ProgressUpdateInputSerializer)
        update = services.progress_update_create(actor=request.user, item=item, **data)
        return Response(s.ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        tags=["extensions"],
        summary="Extension requests of the item",
        responses=s.ExtensionRequestSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        tags=["extensions"],
        summary="Ask for a later due date (lead agency)",
        request=s.ExtensionRequestInputSerializer,
        responses={201: s.ExtensionRequestSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(
        detail=True, methods=["get", "post"], url_path="extension-requests", pagination_class=None, filter_backends=[]
    )
    def extension_requests(self, request, pk=None):
        item = self.visible_item()
        if request.method == "GET":
            requests = item.extension_requests.select_related("requested_by", "decided_by")
            return Response(s.ExtensionRequestSerializer(requests, many=True).data)
        data = self.write_serializer(s.ExtensionRequestInputSerializer)
        extension = services.extension_request_create(actor=request.user, item=item, **data)
        return Response(s.ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        tags=["concurrence"],
        summary="Each supporting agency's concurrence",
        responses=s.ConcurrenceSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        tags=["concurrence"],
        summary="Record your supporting agency's concur or non-concur",
        request=s.ConcurrenceInputSerializer,
        responses={200: s.ConcurrenceSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def concurrences(self, request, pk=None):
        item = self.visible_item()
        if request.method == "GET":
            answers = item.concurrences.select_related("agency", "responded_by").order_by("agency__code")
            return Response(s.ConcurrenceSerializer(answers, many=True).data)
        data = self.write_serializer(s.ConcurrenceInputSerializer)
        agency = data.get("agency") or self.answering_agency(item)
        concurrence = services.concurrence_record(
            actor=request.user, item=item, agency=agency, state=data["state"], comment=data.get("comment", "")
        )
        return Response(s.ConcurrenceSerializer(concurrence).data)

    def answering_agency(self, item: ActionItem) -> Agency:
        """The supporting agency the requester answers for, when they serve exactly one of the item's."""
        mine = request_viewer(self.request).liaison_agency_ids
        candidates = [c.agency for c in item.concurrences.select_related("agency") if c.agency_id in mine]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise PermissionDenied(_("You are not a liaison of any supporting agency of this item."))
        raise ValidationError({"agency": [_("You serve several supporting agencies of this item: say which answers.")]})

    def _record_response(self, items, stem: str) -> HttpResponse:
        package = services.action_items_record_export(actor=self.request.user, items=items)
        response = HttpResponse(package, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{stem}-{japan_today()}.zip"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        tags=["records"],
        summary="The item's full record as one ZIP: record.json, the attached files, manifest.json and SHA256SUMS",
        description=(
            "Fields, history with who did what, progress updates, concurrences, extension requests and decisions, "
            "attachments, and the reminders and notices sent (those the caller may see). Of a restricted item only "
            "its id, titles, due date and link. Recorded on the security log as an export."
        ),
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def record(self, request, pk=None):
        item = self.visible_item()
        return self._record_response(ActionItem.objects.filter(pk=item.pk), f"record-{item.pk}")

    @extend_schema(
        tags=["records"],
        summary="Several items' full records as one ZIP (one folder per item)",
        parameters=[
            OpenApiParameter(
                "ids", OpenApiTypes.STR, required=True, description="Item ids, comma-separated (at most 100)."
            )
        ],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def records(self, request):
        raw = request.query_params.get("ids", "")
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        well_formed = all(part.isdigit() and len(part) < 12 for part in parts)
        if not parts or len(parts) > MOST_ITEMS or not well_formed:
            raise ValidationError(
                {"ids": [_("Give between 1 and %(most)d item ids, comma-separated.") % {"most": MOST_ITEMS}]}
            )
        ids = {int(part) for part in parts}
        items = self.visible_items().filter(pk__in=ids)
        missing = ids - set(items.values_list("pk", flat=True))
        if missing:
            raise NotFound(_("No such action item: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))})
        return self._record_response(items, "records")

    @extend_schema(
        tags=["history"],
        summary="Every change to the item: who, when, which fields, old and new values",
        responses=s.HistoryRecordSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        item = self.visible_item()
        return Response(s.HistoryRecordSerializer(action_item_history(item), many=True).data)

    @extend_schema(
        tags=["action items"],
        summary="Import items from an XLSX or CSV file (multipart: `file`, and `dry_run` for a preview)",
        description=(
            "Each row updates the item its ID names, else the item of its external id in its department, else "
            "creates one; fields only, never status; empty cells leave fields alone. The file is one transaction: "
            "with any row refused nothing is written and the answer is 422 with every refused row and its reasons "
            "(a file that cannot be read at all is a 400 problem). "
            "Download the template from the admin (Import items)."
        ),
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={200: s.ImportReportSerializer, 422: s.ImportReportSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def import_items(self, request):
        upload = s.ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            batch = import_batch_create(actor=request.user, name=file.name or "", content=file.read())
        except FileRefused as error:
            raise ValidationError({"file": [str(error)]}) from error
        report = import_batch_run(actor=request.user, batch=batch, dry_run=upload.validated_data["dry_run"])
        data = s.ImportReportSerializer(report).data
        return Response(data, status=status.HTTP_200_OK if report.ok else status.HTTP_422_UNPROCESSABLE_ENTITY)

    @extend_schema(
        methods=["GET"],
        tags=["attachments"],
        summary="Files attached to the item",
        responses=s.AttachmentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        tags=["attachments"],
        summary="Attach a file (multipart, field `file`; PDF, images, text, CSV, Office documents)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def attachments(self, request, pk=None):
        item = self.visible_item()
        if request.method == "GET":
            files = item.attachments.select_related("uploaded_by")
            return Response(s.AttachmentSerializer(files, many=True, context={"request": request}).data)
        upload = s.AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = services.attachment_create(actor=request.user, item=item, upload=upload.validated_data["file"])
        data = s.AttachmentSerializer(attachment, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["attachments"],
        summary="Download an attached file",
        parameters=[
            OpenApiParameter(
                "attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attachment's id."
            )
        ],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as uploaded.")
            for content_type in ALLOWED_CONTENT_TYPES
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        renderer_classes=[JSONRenderer, AnyMediaRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def attachment_download(self, request, pk=None, attachment_id=None):
        item = self.visible_item()
        attachment = item.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        return attachment_response(attachment)


def _transition_action(name: str):
    """One POST endpoint per workflow transition, named after it: /action-items/{id}/<name>/."""

    def handler(self, request, pk=None):
        return self.run_transition(request, name)

    handler.__name__ = f"transition_{name}"
    handler.__doc__ = transition_summary(name)
    handler = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    return extend_schema(
        tags=["workflow"],
        summary=transition_summary(name),
        request=s.TransitionSerializer,
        responses=s.ActionItemSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        operation_id=f"action_items_{name}",
    )(handler)


for _name in workflow.TRANSITIONS:
    setattr(ActionItemViewSet, f"transition_{_name}", _transition_action(_name))


# --- Extension decisions ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["extensions"], summary="Extension requests on items you can see"),
    retrieve=extend_schema(tags=["extensions"]),
)
class ExtensionRequestViewSet(IdempotentPostMixin, RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Extension requests across items; coordinators approve or deny them here."""

    serializer_class = s.ExtensionRequestSerializer
    queryset = ExtensionRequest.objects.select_related("requested_by", "decided_by")
    pagination_class = UpdatedCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["state"]

    def decide(self, request, *, approve: bool) -> Response:
        serializer = s.ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = services.extension_request_decide(
            actor=request.user,
            extension_request=self.get_object(),
            approve=approve,
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(s.ExtensionRequestSerializer(extension).data)

    @extend_schema(
        tags=["extensions"],
        summary="Approve: the item's due date moves, its original is kept",
        request=s.ExtensionDecisionSerializer,
        responses=s.ExtensionRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(
        tags=["extensions"],
        summary="Deny, with a comment",
        request=s.ExtensionDecisionSerializer,
        responses=s.ExtensionRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        return self.decide(request, approve=False)


# --- Reminder ledger -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(tags=["reminders"], summary="The reminder ledger: what was recorded for whom, and its delivery"),
    retrieve=extend_schema(tags=["reminders"]),
)
class ReminderViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Read-only. Coordinators see their departments' reminders; everyone else sees the ones addressed to them."""

    serializer_class = s.ReminderSerializer
    queryset = Reminder.objects.select_related("recipient")
    pagination_class = NewestFirstCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReminderFilter
