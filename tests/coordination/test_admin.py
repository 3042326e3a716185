"""The admin as each role sees and uses it: visibility, the action pages, refusals, history, query counts."""

import datetime

import pytest
from django.urls import reverse

from coordination.models import ActionItem, Concurrence, ExtensionRequest, ProgressUpdate
from tests.conftest import TODAY
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:coordination_actionitem_changelist")


def change_url(item):
    return reverse("admin:coordination_actionitem_change", args=[item.pk])


def act_url(item, action):
    return reverse("admin:coordination_actionitem_act", args=[item.pk, action])


@pytest.mark.parametrize(
    ("who", "sees_item"),
    [
        ("coordinator", True),
        ("director", True),
        ("lead_liaison", True),
        ("supporting_liaison", True),
        ("other_coordinator", False),
        ("unrelated_liaison", False),
    ],
)
def test_changelist_shows_only_visible_items(client, staff_world, move_to_status, who, sees_item):
    move_to_status(staff_world.item, "assigned")
    client.force_login(getattr(staff_world, who))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert (staff_world.item.title in response.text) is sees_item


@pytest.mark.parametrize("who", ["other_coordinator", "unrelated_liaison"])
def test_change_page_of_an_item_not_visible_does_not_open(client, staff_world, who):
    client.force_login(getattr(staff_world, who))
    response = client.get(change_url(staff_world.item))
    # Django's "does not exist" answer: a redirect to the admin index, the item's title never shown.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(act_url(staff_world.item, "acknowledge")).status_code == 404
    history = reverse("admin:coordination_actionitem_history", args=[staff_world.item.pk])
    assert client.get(history).status_code == 404


def test_ended_liaison_loses_the_admin_at_once(client, staff_world, move_to_status):
    from coordination.services import liaison_end_term

    move_to_status(staff_world.item, "assigned")
    client.force_login(staff_world.lead_liaison)
    assert client.get(change_url(staff_world.item)).status_code == 200
    liaison_end_term(actor=staff_world.superuser, liaison=staff_world.lead_term)
    # The admin's door closes: back to the sign-in page, whatever the session or the staff flag.
    assert client.get(CHANGELIST).url.startswith(reverse("admin:login"))
    assert client.get(change_url(staff_world.item)).url.startswith(reverse("admin:login"))
    response = client.post(act_url(staff_world.item, "acknowledge"), {})
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert ActionItem.objects.get(pk=staff_world.item.pk).status == ActionItem.Status.ASSIGNED


def test_liaison_acknowledges_posts_progress_and_asks_for_an_extension(client, staff_world, move_to_status):
    item = move_to_status(staff_world.item, "assigned")
    client.force_login(staff_world.lead_liaison)
    page = client.get(change_url(item))
    assert act_url(item, "acknowledge") in page.text
    assert act_url(item, "close") not in page.text  # only what the role allows is offered

    assert client.post(act_url(item, "acknowledge"), {}).status_code == 302
    response = client.post(act_url(item, "progress"), {"text": "Outline agreed with MOFA.", "percent_complete": 30})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ActionItem.Status.IN_PROGRESS
    assert item.percent_complete == 30
    assert ProgressUpdate.objects.get(action_item=item).author == staff_world.lead_liaison

    response = client.post(
        act_url(item, "extension"), {"requested_due_date": "2026-07-10", "reason": "Waiting for the budget figures."}
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get(action_item=item)
    assert request.state == ExtensionRequest.State.PENDING

    history = item.history.first()
    assert history.history_user == staff_world.lead_liaison


def test_coordinator_decides_an_extension_and_the_original_due_date_is_kept(client, staff_world, move_to_status):
    from coordination import services

    item = move_to_status(staff_world.item, "in_progress")
    request = services.extension_request_create(
        actor=staff_world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 15), reason="Budget"
    )
    client.force_login(staff_world.coordinator)
    url = reverse("admin:coordination_actionitem_decide_extension", args=[item.pk, request.pk])
    assert client.post(url, {"decision": "approve", "comment": ""}).status_code == 302
    item.refresh_from_db()
    assert item.due_date == datetime.date(2026, 7, 15)
    assert item.original_due_date == datetime.date(2026, 6, 30)


def test_supporting_liaison_records_concurrence(client, staff_world, move_to_status):
    item = move_to_status(staff_world.item, "in_progress")
    client.force_login(staff_world.supporting_liaison)
    response = client.post(act_url(item, "concurrence"), {"agency": staff_world.mofa.pk, "state": "non_concur"})
    assert response.status_code == 200  # a non-concurrence needs a reason: the form comes back with the error
    assert "reason" in response.text.lower()
    assert Concurrence.objects.get(action_item=item).state == Concurrence.State.PENDING
    response = client.post(
        act_url(item, "concurrence"),
        {"agency": staff_world.mofa.pk, "state": "non_concur", "comment": "Legal basis unclear."},
    )
    assert response.status_code == 302
    concurrence = Concurrence.objects.get(action_item=item)
    assert (concurrence.state, concurrence.responded_by) == (
        Concurrence.State.NON_CONCUR,
        staff_world.supporting_liaison,
    )


def test_a_refused_transition_keeps_the_input_and_changes_nothing(client, staff_world, move_to_status):
    item = move_to_status(staff_world.item, "assigned")
    client.force_login(staff_world.lead_liaison)
    response = client.post(act_url(item, "decline"), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert ActionItem.objects.get(pk=item.pk).status == ActionItem.Status.ASSIGNED
    # A transition the role does not have is refused with the workflow's message.
    response = client.post(act_url(item, "close"), {})
    assert response.status_code == 200
    assert "does not allow" in " ".join(response.context["form"].non_field_errors())
    assert ActionItem.objects.get(pk=item.pk).status == ActionItem.Status.ASSIGNED


def test_liaison_cannot_edit_coordinator_fields(client, staff_world, move_to_status):
    item = move_to_status(staff_world.item, "acknowledged")
    client.force_login(staff_world.lead_liaison)
    page = client.get(change_url(item))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "title" not in form.fields and "due_date" not in form.fields and "priority" not in form.fields
    assert "assigned_liaison" in form.fields  # routing inside the agency is theirs
    client.post(change_url(item), {"title": "Renamed by a liaison", "due_date": "2027-01-01"})
    item.refresh_from_db()
    assert item.title == "Draft a defense diplomacy strategy"
    assert item.due_date == datetime.date(2026, 6, 30)


def test_coordinator_creates_and_edits_an_item_through_the_admin(client, staff_world):
    client.force_login(staff_world.coordinator)
    add = reverse("admin:coordination_actionitem_add")
    response = client.post(
        add,
        {
            "title": "Map the legal basis for cross-decking",
            "department": staff_world.department.pk,
            "lead_agency": staff_world.mod.pk,
            "supporting": [staff_world.mofa.pk],
            "priority": ActionItem.Priority.HIGH,
            "due_date": "2026-09-22",  # a citizens' holiday in Silver Week
            "marking": "internal",
            "external_id": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    item = ActionItem.objects.get(title="Map the legal basis for cross-decking")
    assert item.due_date == datetime.date(2026, 9, 24)  # moved past 22 and 23 September to the next business day
    assert list(item.concurrences.values_list("agency__code", flat=True)) == ["MOFA"]
    assert item.history.earliest().history_user == staff_world.coordinator
    assert item.coordinator == staff_world.coordinator


def test_bad_input_on_the_change_form_is_shown_not_saved(client, staff_world):
    client.force_login(staff_world.coordinator)
    response = client.post(
        reverse("admin:coordination_actionitem_add"),
        {
            "title": "Lead cannot support",
            "department": staff_world.department.pk,
            "lead_agency": staff_world.mod.pk,
            "supporting": [staff_world.mod.pk],
            "priority": ActionItem.Priority.NORMAL,
            "marking": "open",
        },
    )
    assert response.status_code == 200
    assert "cannot also be a supporting agency" in response.text
    assert not ActionItem.objects.filter(title="Lead cannot support").exists()


def test_changelist_filters(client, staff_world, move_to_status):
    move_to_status(staff_world.item, "in_progress")
    ActionItem.objects.filter(pk=staff_world.item.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    on_time = ActionItemFactory(department=staff_world.department, lead_agency=staff_world.meti, title="On time")
    client.force_login(staff_world.coordinator)
    overdue = client.get(CHANGELIST, {"overdue": "yes"}).text
    assert staff_world.item.title in overdue and "On time" not in overdue
    assert "overdue" in overdue  # the marker in the due-date column
    supported = client.get(CHANGELIST, {"supporting_agency": staff_world.mofa.pk}).text
    assert staff_world.item.title in supported and "On time" not in supported
    searched = client.get(CHANGELIST, {"q": "On time"}).text
    assert "On time" in searched and staff_world.item.title not in searched
    assert on_time.pk


def test_changelist_query_count_does_not_grow_with_items(client, staff_world, django_assert_max_num_queries):
    client.force_login(staff_world.coordinator)
    ActionItemFactory.create_batch(5, department=staff_world.department, lead_agency=staff_world.mod)
    with django_assert_max_num_queries(30) as few:
        client.get(CHANGELIST)
    ActionItemFactory.create_batch(40, department=staff_world.department, lead_agency=staff_world.mofa)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST)
    assert response.status_code == 200


def test_pages_follow_the_users_language(client, staff_world):
    staff_world.lead_liaison.preferred_language = "ja"
    staff_world.lead_liaison.save(update_fields=["preferred_language"])
    client.force_login(staff_world.lead_liaison)
    assert "ログアウト" in client.get(CHANGELIST).text
    staff_world.lead_liaison.preferred_language = "en"
    staff_world.lead_liaison.save(update_fields=["preferred_language"])
    assert "Log out" in client.get(CHANGELIST).text


@pytest.mark.parametrize("who", ["coordinator", "director", "lead_liaison", "supporting_liaison", "staff"])
def test_only_superusers_and_primary_liaisons_end_liaison_terms(staff_world, who):
    from django.core.exceptions import PermissionDenied

    from agencies.models import Liaison
    from coordination.services import liaison_end_term

    with pytest.raises(PermissionDenied):
        liaison_end_term(actor=getattr(staff_world, who), liaison=staff_world.supporting_term)
    assert Liaison.objects.get(pk=staff_world.supporting_term.pk).end_date is None


def test_a_superuser_ends_a_term_from_the_liaison_list_and_a_coordinator_cannot(client, staff_world):
    from agencies.models import Liaison

    client.force_login(staff_world.coordinator)
    action = {"action": "end_terms_today", "_selected_action": [staff_world.supporting_term.pk]}
    client.post(reverse("admin:agencies_liaison_changelist"), action)
    assert Liaison.objects.get(pk=staff_world.supporting_term.pk).end_date is None
    client.force_login(staff_world.superuser)
    response = client.post(reverse("admin:agencies_liaison_changelist"), action)
    assert response.status_code == 302
    assert Liaison.objects.get(pk=staff_world.supporting_term.pk).end_date == TODAY


def test_admin_forms_refuse_hostile_input_with_errors_and_save_nothing(client, world, dns):
    """Dates out of range, control characters and line breaks in one-line fields: form errors, never a 500."""
    from coordination.models import Meeting, WebhookEndpoint

    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    client.force_login(world.coordinator)
    items = ActionItem.objects.count()
    for due in ("9999-12-31", "0001-01-01", "1900-01-01"):
        response = client.post(
            "/admin/coordination/actionitem/add/",
            {"title": "Brief", "department": world.department.pk, "lead_agency": world.mod.pk, "due_date": due,
             "priority": "2", "marking": "open"},
        )  # fmt: skip
        assert response.status_code == 200 and "due_date" in response.context["adminform"].form.errors
    bad_title = client.post(
        "/admin/coordination/actionitem/add/",
        {"title": "Brief\x1b[2J", "department": world.department.pk, "lead_agency": world.mod.pk, "priority": "2",
         "marking": "open"},
    )  # fmt: skip
    assert bad_title.status_code == 200 and "title" in bad_title.context["adminform"].form.errors
    assert ActionItem.objects.count() == items
    meeting = client.post(
        "/admin/coordination/meeting/add/",
        {"department": world.department.pk, "title": "Line\r\nbreak", "held_on": "2026-06-03"},
    )
    assert meeting.status_code == 200 and "title" in meeting.context["adminform"].form.errors
    dns["hooks.example.go.jp"] = ["93.184.216.34"]
    hook = client.post(
        "/admin/coordination/webhookendpoint/add/",
        {"department": world.department.pk, "name": "Sync\r\nBcc: x@example.com", "url": "https://hooks.example.go.jp/",
         "events": ["assigned"], "owner": world.coordinator.pk, "is_active": "on"},
    )  # fmt: skip
    assert hook.status_code == 200 and "name" in hook.context["adminform"].form.errors
    assert not Meeting.objects.exists() and not WebhookEndpoint.objects.exists()
