"""Every admin page, for every role, generated from the admin's own registry and the access rules.

For each ModelAdmin of the tracker and each role: the changelist, add, change, history and history-version pages,
and a POST to the history version (never a way to change anything). What a role may not see answers 403, 404 or
a redirect to the index and never shows its title; refused requests change no row. Every form a role may use is
fetched and posted back as rendered, unchanged and with one field changed, and the change lands in history.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Liaison, OrgUnit
from audit.models import AuditCheck
from coordination import access, services
from coordination.models import (
    ActionItem,
    ClosureDay,
    Department,
    ExtensionRequest,
    Heartbeat,
    Initiative,
    IntegrationAccount,
    Meeting,
    Reminder,
    ReminderPolicy,
    WebhookDelivery,
    WebhookEndpoint,
)
from coordination.selectors import viewer_for
from tests.conftest import TODAY
from users.models import ApiToken, SecurityEvent, User

pytestmark = pytest.mark.django_db

ROLES = [
    "coordinator",
    "director",
    "other_coordinator",
    "other_director",
    "lead_liaison",
    "supporting_liaison",
    "unrelated_liaison",
    "ended_liaison",
    "staff",
    "superuser",
    "integration",  # a tool's account, even if someone ticked "staff": the admin's door stays shut
]
TRACKER_APPS = {"agencies", "coordination", "users", "axes", "audit"}
MODEL_ADMINS = sorted(
    (model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label in TRACKER_APPS),
    key=lambda model_admin: model_admin.opts.label,
)


@pytest.fixture
def sample(world, move_to_status, dns):
    """One object of each model behind the admin, all about the world's security cooperation department."""
    dns["dashboard.example.go.jp"] = ["93.184.216.34"]  # the webhook's host, a public address (stubbed)
    for role in ROLES:
        user = getattr(world, role)
        if user.is_staff:
            continue
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    item = move_to_status(world.item, "in_progress")
    meeting = services.meeting_create(
        actor=world.coordinator, department=world.department, title="Director-level meeting", held_on=TODAY,
        agencies=[world.mod], notes="Agreed the outline",
    )  # fmt: skip
    initiative = services.initiative_create(
        actor=world.coordinator, department=world.department, code="P1", title_en="Defense diplomacy strategy"
    )
    endpoint = WebhookEndpoint.objects.create(
        department=world.department,
        name="SCD dashboard",
        url="https://dashboard.example.go.jp/hook",
        secret="s3cret-webhook-value-never-shown",
        events=["assigned"],
        owner=world.coordinator,
    )
    reminder = Reminder.objects.get(action_item=item, rule="assigned", recipient=world.lead_liaison)
    objects = {
        ActionItem: item,
        Meeting: meeting,
        Initiative: initiative,
        ClosureDay: ClosureDay.objects.create(date=datetime.date(2026, 8, 14), name="Obon", created_by=None),
        Heartbeat: Heartbeat.objects.create(component="beat", last_seen_at=world.item.created_at),
        ReminderPolicy: ReminderPolicy.objects.create(department=world.department),
        Reminder: reminder,
        WebhookEndpoint: endpoint,
        WebhookDelivery: WebhookDelivery.objects.create(
            endpoint=endpoint,
            delivery_id="6f1c2c9e-8d7a-4a55-9a57-0d4b8f1a2b3c",
            event="assigned",
            action_item=item,
            occurrence="x",
            payload={},
        ),
        ApiToken: services_token(world),
        IntegrationAccount: world.integration.integration_account,
    }
    objects[SecurityEvent] = SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN, user=world.coordinator)
    objects[AccessAttempt] = AccessAttempt.objects.create(
        username="mod-liaison", ip_address="192.0.2.1", user_agent="x", failures_since_start=2, get_data="",
        post_data="", http_accept="", path_info="/admin/login/", attempt_time=timezone.now(),
    )  # fmt: skip
    objects[AuditCheck] = AuditCheck.objects.create(
        at=timezone.now(), ok=False, rows=10, anchors=2, seconds=0.1,
        problems=[{"chain": "users.securityevent", "kind": "changed", "seq": 3, "pk": 3, "detail": "x"}],
    )  # fmt: skip
    objects.update({
        Agency: world.mod, OrgUnit: world.mod_unit, Liaison: world.supporting_term, Department: world.department,
        User: world.lead_liaison,
    })  # fmt: skip
    return objects


def services_token(world):
    from users.services import api_token_issue

    return api_token_issue(actor=world.lead_liaison, user=world.lead_liaison, name="MOD sync")[0]


def url(model_admin, page, obj=None):
    name = f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_{page}"
    if page in ("changelist", "add"):
        return reverse(name)
    return reverse(name, args=[obj.pk])


def snapshot(objects) -> dict:
    """Every row of the sampled models; the security log is left out (each refusal adds a line to it)."""
    return {
        model.__name__: list(model.objects.order_by("pk").values()) for model in objects if model is not SecurityEvent
    }


def test_every_tracker_model_admin_has_a_sample_and_a_rule(sample):
    missing = [model_admin.opts.label for model_admin in MODEL_ADMINS if model_admin.model not in sample]
    assert missing == []
    assert [model_admin.opts.label for model_admin in MODEL_ADMINS if model_admin.model not in access.RULES] == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model_admin", MODEL_ADMINS, ids=lambda model_admin: model_admin.opts.label)
def test_every_admin_page_for_every_role(client, world, sample, model_admin, role):
    user = getattr(world, role)
    client.force_login(user)
    viewer = viewer_for(user, today=TODAY)
    obj = sample[model_admin.model]
    sees = access.may_view(viewer, obj)
    door_open = user.is_staff and viewer.has_any_role and not user.is_integration
    before = snapshot(sample)

    changelist = client.get(url(model_admin, "changelist"))
    change = client.get(url(model_admin, "change", obj))
    history = client.get(url(model_admin, "history", obj))
    add = client.get(url(model_admin, "add"))
    delete = client.get(url(model_admin, "delete", obj))
    if not door_open:
        for response in (changelist, change, history, add, delete):
            assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
        assert snapshot(sample) == before
        return

    assert changelist.status_code in (200, 403)
    if changelist.status_code == 200:
        assert (url(model_admin, "change", obj) in changelist.text) is sees
    if sees:
        assert change.status_code == 200
        assert history.status_code == 200
    else:
        for response in (change, history):  # Django's "does not exist": a redirect to the index, or 404
            assert response.status_code in (302, 403, 404)
            if response.status_code == 302:
                assert response.url == reverse("admin:index")
    assert delete.status_code in (302, 403, 404) and "Yes, I’m sure" not in delete.text
    assert add.status_code == (200 if access.may_add(model_admin.model, viewer) else 403)

    versions = getattr(model_admin.model, "history", None)
    if versions is not None:
        version = versions.filter(id=obj.pk).order_by("history_id").first()
        page = reverse(
            f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_simple_history",
            args=[obj.pk, version.history_id],
        )
        shown = client.get(page)
        assert shown.status_code == (200 if sees else 404)
        if sees:
            assert "<form" not in shown.text.split('id="content-main"')[1].split("</table>")[0]
        posted = client.post(page, {"name": "rewritten", "is_active": "", "title": "rewritten"})
        assert posted.status_code == 405
    for response in (changelist, change, history, add):
        assert "s3cret-webhook-value-never-shown" not in response.text
    assert snapshot(sample) == before


def test_hidden_items_appear_in_no_admin_page(client, world, sample, move_to_status):
    """Roles that cannot see the item: not its title, external id or change link on any page they can open."""
    item = sample[ActionItem]
    ActionItem.objects.filter(pk=item.pk).update(external_id="SCD-2026-0042")
    link = url(admin.site._registry[ActionItem], "change", item)
    for role in ("other_coordinator", "other_director", "unrelated_liaison", "ended_liaison"):
        client.force_login(getattr(world, role))
        for model_admin in MODEL_ADMINS:
            pages = [url(model_admin, "changelist"), url(model_admin, "add")]
            pages += [url(model_admin, page, sample[model_admin.model]) for page in ("change", "history")]
            for page in pages:
                response = client.get(page)
                if response.status_code == 200:
                    text = response.text
                    assert item.title not in text, (role, page)
                    assert "SCD-2026-0042" not in text and link not in text, (role, page)


def form_data(response) -> dict:
    """The change form's data as the browser would post it back, inlines and all."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.datetime) and hasattr(field.widget, "widgets"):  # split date and time
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, inline_form in enumerate(formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, False):
                    data[f"{formset.prefix}-{index}-{name}"] = str(value) if value is not True else "on"
    return data


# (model, role allowed to change it, field, new value); every change form with a role allowed to change it.
ROUND_TRIPS = [
    (ActionItem, "coordinator", "title", "A clearer title for the strategy"),
    (ActionItem, "director", "description", "Described again by the director"),
    (Meeting, "coordinator", "notes", "MOD to circulate a draft"),
    (Initiative, "coordinator", "title_en", "Defense diplomacy strategy (2027)"),
    (ClosureDay, "coordinator", "name", "Obon (extra closure)"),
    (ReminderPolicy, "coordinator", "stale_after", "12"),
    (WebhookEndpoint, "coordinator", "name", "SCD dashboard (new)"),
    (User, "lead_liaison", "first_name", "Hiroshi"),
    (User, "superuser", "last_name", "Tanaka"),
    (IntegrationAccount, "coordinator", "description", "Syncs the cabinet office's tracker nightly"),
    (IntegrationAccount, "lead_liaison", "description", "MOD's own tracker"),
]


@pytest.mark.parametrize(("model", "role", "field", "value"), ROUND_TRIPS, ids=lambda v: getattr(v, "__name__", v))
def test_a_change_form_posted_back_as_rendered_saves(client, world, sample, model, role, field, value):
    obj = sample[model]
    if model is IntegrationAccount and role == "lead_liaison":
        obj = world.agency_integration.integration_account
    model_admin = admin.site._registry[model]
    client.force_login(getattr(world, role))
    page = client.get(url(model_admin, "change", obj))
    assert page.status_code == 200
    unchanged = client.post(url(model_admin, "change", obj), form_data(page))
    assert unchanged.status_code == 302, unchanged.context["adminform"].form.errors if unchanged.context else ""
    data = form_data(client.get(url(model_admin, "change", obj)))
    data[field] = value
    changed = client.post(url(model_admin, "change", obj), data)
    assert changed.status_code == 302, changed.context["adminform"].form.errors if changed.context else ""
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == value
    if hasattr(model, "history"):
        latest = obj.history.order_by("-history_id").first()
        assert latest.history_user == getattr(world, role)


def test_every_model_with_a_changing_role_has_a_round_trip(world, sample):
    """A new admin whose rows someone may change cannot be added without its round trip."""
    tried = {model for model, *_rest in ROUND_TRIPS}
    untried = []
    for model_admin in MODEL_ADMINS:
        obj = sample[model_admin.model]
        changers = [
            role for role in ROLES if access.may_view(viewer_for(getattr(world, role), today=TODAY), obj)
            and access.may_change(viewer_for(getattr(world, role), today=TODAY), obj)
        ]  # fmt: skip
        if changers and model_admin.model not in tried and model_admin.model not in ADMIN_ONLY_FORMS:
            untried.append((model_admin.opts.label, changers))
    assert untried == []


# Changed by superusers only, or only through their action pages (liaison terms are ended through the service:
# test_admin.py and tests/api/test_reference.py); the matrix above covers their pages.
ADMIN_ONLY_FORMS = {Liaison, Agency, OrgUnit, Department}


# --- Add forms, action pages and autocomplete -------------------------------------------------------------------

# (model, role allowed to add, the fields a person fills in beyond what the form renders)
ADD_FORMS = [
    (Meeting, "coordinator", {"department": "{department}", "title": "Working-level meeting", "held_on": "2026-06-03"}),
    (Initiative, "director", {"department": "{department}", "code": "P9", "title_en": "Maritime domain awareness"}),
    (ClosureDay, "coordinator", {"date": "2026-12-25", "name": "Office move"}),
    (ApiToken, "coordinator", {"user": "{self}", "name": "My script"}),
    (ApiToken, "coordinator", {"user": "{tool}", "name": "Cabinet sync", "read_only": "on"}),
    (IntegrationAccount, "coordinator", {"username": "nss-board", "department": "{department}"}),
    (IntegrationAccount, "lead_liaison", {"username": "mod-board", "agency": "{mod}", "read_only": "on"}),
    (Liaison, "lead_liaison", {"username": "mod-newcomer", "agency": "{mod}", "role": "alternate"}),
    (
        ActionItem,
        "coordinator",
        {
            "title": "Prepare the talking points",
            "department": "{department}",
            "lead_agency": "{mod}",
            "due_date": "2026-06-30",
        },
    ),  # fmt: skip
]


def add_form_data(response) -> dict:
    data = form_data(response)
    for key in [key for key, value in data.items() if value in ("", [])]:
        del data[key]
    return data


@pytest.mark.parametrize("model_admin", MODEL_ADMINS, ids=lambda model_admin: model_admin.opts.label)
def test_every_add_form_posted_back_as_rendered_adds_nothing_and_never_fails(client, world, sample, model_admin):
    """Posted back untouched (nothing filled in), every add form any role may use answers with its errors."""
    for role in ROLES:
        user = getattr(world, role)
        viewer = viewer_for(user, today=TODAY)
        if user.is_integration or not access.may_add(model_admin.model, viewer):
            continue
        client.force_login(user)
        page = client.get(url(model_admin, "add"))
        assert page.status_code == 200, (role, page.status_code)
        before = snapshot(sample)
        posted = client.post(url(model_admin, "add"), add_form_data(page) if page.context else {})
        assert posted.status_code == 200, (role, posted.status_code)
        assert snapshot(sample) == before


@pytest.mark.parametrize(("model", "role", "filled"), ADD_FORMS, ids=lambda v: getattr(v, "__name__", str(v)[:20]))
def test_an_add_form_filled_in_as_a_person_would_saves_through_the_service(client, world, sample, model, role, filled):
    names = {
        "department": world.department.pk,
        "mod": world.mod.pk,
        "self": getattr(world, role).pk,
        "tool": world.integration.pk,
        "newcomer": User.objects.create(username="mod-newcomer").pk,  # an account the administrators created
    }
    model_admin = admin.site._registry[model]
    client.force_login(getattr(world, role))
    page = client.get(url(model_admin, "add"))
    assert page.status_code == 200
    data = {**add_form_data(page), **{key: str(value).format(**names) for key, value in filled.items()}}
    count = model.objects.count()
    posted = client.post(url(model_admin, "add"), data)
    assert posted.status_code in (200, 302)
    if posted.status_code == 200 and posted.context and "adminform" in posted.context:
        pytest.fail(f"refused: {posted.context['adminform'].form.errors}")
    assert model.objects.count() == count + 1
    created = model.objects.order_by("-pk").first() if model is not ApiToken else model.objects.order_by("-created")[0]
    if hasattr(model, "history"):
        assert created.history.earliest().history_user == getattr(world, role)
    if model is ApiToken:
        assert created.created_by == getattr(world, role)
        assert "no-store" in posted["Cache-Control"]


# What a person types on any of the item's action pages; each page reads the fields it has.
ACTION_PAGE_INPUT = {
    "reason": "Matrix",
    "text": "x",
    "percent_complete": "10",
    "state": "concur",
    "decision": "deny",
    "comment": "x",
    "requested_due_date": "2026-07-31",
}


def test_every_item_action_page_for_every_role(client, world, sample):
    """The act and decide pages of the item: hidden answers 404, refused changes nothing, allowed moves it."""
    from coordination import workflow
    from coordination.admin.action_items import ACTION_FORMS

    item = sample[ActionItem]
    extension = services.extension_request_create(
        actor=world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 31), reason="Diet session"
    )
    pages = [reverse("admin:coordination_actionitem_act", args=[item.pk, name]) for name in
             [*workflow.TRANSITIONS, *ACTION_FORMS]]  # fmt: skip
    pages.append(reverse("admin:coordination_actionitem_decide_extension", args=[item.pk, extension.pk]))
    pages.append(reverse("admin:coordination_actionitem_record", args=[item.pk]))  # the record package download
    for role in ROLES:
        user = getattr(world, role)
        viewer = viewer_for(user, today=TODAY)
        client.force_login(user)
        for page in pages:
            before = snapshot(sample)
            shown = client.get(page)
            posted = client.post(page, ACTION_PAGE_INPUT)
            if not (user.is_staff and viewer.has_any_role and not user.is_integration):
                assert shown.status_code == posted.status_code == 302 and "login" in shown.url
            elif not access.may_view(viewer, item):
                assert shown.status_code == posted.status_code == 404, (role, page)
            else:
                assert shown.status_code == 200, (role, page)
                assert posted.status_code in (200, 302), (role, page)
            if posted.status_code != 302 or "login" in posted.url:
                assert snapshot(sample) == before, (role, page)
            item.refresh_from_db()
            if posted.status_code == 302 and "login" not in posted.url:
                # It moved: bring the world back so the next page starts from the same place.
                ActionItem.objects.filter(pk=item.pk).update(status="in_progress")
                ExtensionRequest.objects.filter(pk=extension.pk).update(
                    state="pending", decided_by=None, decided_at=None
                )


def test_autocomplete_offers_only_what_the_role_may_see(client, world, sample):
    """Every autocomplete field of every admin, for every role: the choices are a subset of what they see."""
    hidden = services.action_item_create(
        actor=world.other_coordinator, department=world.other_department, title="Stratcom's own talking points",
        lead_agency=world.meti, due_date=datetime.date(2026, 6, 30),
    )  # fmt: skip
    for role in ROLES:
        user = getattr(world, role)
        viewer = viewer_for(user, today=TODAY)
        client.force_login(user)
        for model_admin in MODEL_ADMINS:
            for field_name in model_admin.autocomplete_fields:
                target = model_admin.model._meta.get_field(field_name).related_model
                response = client.get(
                    reverse("admin:autocomplete"),
                    {"app_label": model_admin.opts.app_label, "model_name": model_admin.opts.model_name,
                     "field_name": field_name, "term": ""},
                )  # fmt: skip
                if not (user.is_staff and viewer.has_any_role and not user.is_integration):
                    assert response.status_code == 302
                    continue
                assert response.status_code in (200, 403), (role, field_name)
                if response.status_code == 403:
                    continue
                offered = {int(row["id"]) for row in response.json()["results"]}
                allowed = set(access.restrict(target, viewer).values_list("pk", flat=True))
                assert offered <= allowed, (role, model_admin.opts.label, field_name)
                assert hidden.title not in response.text or access.may_view(viewer, hidden)
