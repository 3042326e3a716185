"""The console as people use it: the review queue, bulk actions, the liaison home, attachments in the admin, and
every console page for every role."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coordination import services
from coordination.models import ActionItem, Attachment, Concurrence, ExtensionRequest, ItemVisit, Reminder, SavedView
from coordination.selectors import viewer_for
from tests.conftest import DUE, TODAY
from tests.coordination.test_admin_matrix import ROLES as MATRIX_ROLES

pytestmark = pytest.mark.django_db
Status = ActionItem.Status
QUEUE = reverse("admin:review_queue")
DECIDE = reverse("admin:review_decide")
HOME_ACT = reverse("admin:liaison_act")
INDEX = reverse("admin:index")
CHANGELIST = reverse("admin:coordination_actionitem_changelist")


def new_item(world, title, **kwargs):
    kwargs.setdefault("supporting_agencies", [world.mofa])
    return services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title=title,
        lead_agency=world.mod,
        due_date=DUE,
        **kwargs,
    )


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The review queue ------------------------------------------------------------------------------------------


@pytest.fixture
def queue_world(staff_world, move_to_status):
    world = staff_world
    world.submitted = [move_to_status(new_item(world, f"Submission {n}"), Status.SUBMITTED) for n in range(2)]
    working = move_to_status(new_item(world, "Needs more time"), Status.IN_PROGRESS)
    world.extension = services.extension_request_create(
        actor=world.lead_liaison, item=working, requested_due_date=DUE + datetime.timedelta(days=14), reason="Budget"
    )
    disputed = move_to_status(new_item(world, "Disputed"), Status.IN_PROGRESS)
    world.non_concurrence = services.concurrence_record(
        actor=world.supporting_liaison, item=disputed, agency=world.mofa, state="non_concur", comment="Wrong scope"
    )
    world.declined = move_to_status(new_item(world, "Not ours"), Status.ASSIGNED)
    services.action_item_transition(actor=world.lead_liaison, item=world.declined, name="decline", reason="METI's")
    return world


def test_the_queue_lists_everything_waiting_on_the_department(client, queue_world):
    world = queue_world
    client.force_login(world.coordinator)
    page = client.get(QUEUE)
    assert page.status_code == 200
    for title in ("Submission 0", "Submission 1", "Needs more time", "Disputed", "Not ours", "Wrong scope", "Budget"):
        assert title in page.text
    sections = {section.key: section.total for section in page.context["sections"]}
    assert sections == {"submission": 2, "extension": 1, "nonconcurrence": 1, "declined": 1, "escalated": 0}


def test_the_other_department_and_liaisons_have_no_queue(client, queue_world):
    client.force_login(queue_world.other_coordinator)
    page = client.get(QUEUE)
    assert page.status_code == 200 and "Submission 0" not in page.text
    assert all(section.total == 0 for section in page.context["sections"])
    client.force_login(queue_world.lead_liaison)
    assert client.get(QUEUE).status_code == 404
    item = queue_world.submitted[0]
    assert client.post(DECIDE, {"kind": "submission", "id": item.pk, "decision": "close"}).status_code == 404
    assert ActionItem.objects.get(pk=item.pk).status == Status.SUBMITTED


def test_each_queue_entry_is_decided_in_one_short_form(client, queue_world):
    world = queue_world
    client.force_login(world.coordinator)
    first, second = world.submitted
    # Closing without MOFA's concurrence needs an override reason: refused, and what was typed stays in the form.
    refused = client.post(DECIDE, {"kind": "submission", "id": first.pk, "decision": "close", "reason": ""})
    assert refused.status_code == 400 and "concur" in refused.text
    assert ActionItem.objects.get(pk=first.pk).status == Status.SUBMITTED
    done = client.post(DECIDE, {"kind": "submission", "id": first.pk, "decision": "close", "reason": "Agreed orally"})
    assert done.status_code == 302 and ActionItem.objects.get(pk=first.pk).status == Status.CLOSED
    kept = client.post(DECIDE, {"kind": "submission", "id": second.pk, "decision": "return", "reason": ""})
    assert kept.status_code == 400
    client.post(DECIDE, {"kind": "submission", "id": second.pk, "decision": "return", "reason": "Add the annex"})
    assert ActionItem.objects.get(pk=second.pk).status == Status.IN_PROGRESS

    client.post(DECIDE, {"kind": "extension", "id": world.extension.pk, "decision": "approve", "reason": ""})
    extension = ExtensionRequest.objects.get(pk=world.extension.pk)
    assert extension.state == ExtensionRequest.State.APPROVED and extension.decided_by == world.coordinator
    assert extension.action_item.due_date == extension.requested_due_date

    client.post(DECIDE, {"kind": "nonconcurrence", "id": world.non_concurrence.pk, "decision": "note"})
    noted = Concurrence.objects.get(pk=world.non_concurrence.pk)
    assert noted.reviewed_by == world.coordinator and noted.history.latest().history_user == world.coordinator

    client.post(DECIDE, {"kind": "declined", "id": world.declined.pk, "decision": "assign"})
    assert ActionItem.objects.get(pk=world.declined.pk).status == Status.ASSIGNED

    page = client.get(QUEUE)
    assert all(section.total == 0 for section in page.context["sections"])


def test_an_escalated_item_is_reminded_from_the_queue(client, staff_world, move_to_status, mailoutbox):
    world = staff_world
    item = move_to_status(new_item(world, "Late report"), Status.IN_PROGRESS)
    ActionItem.objects.filter(pk=item.pk).update(due_date=TODAY - datetime.timedelta(days=7))
    Reminder.objects.create(
        action_item=item,
        rule=Reminder.Rule.OVERDUE_COORDINATOR,
        recipient=world.coordinator,
        occurrence="x",
        due_on=TODAY,
    )
    client.force_login(world.coordinator)
    sections = {section.key: section for section in client.get(QUEUE).context["sections"]}
    assert [entry["item"].pk for entry in sections["escalated"].entries] == [item.pk]
    response = client.post(DECIDE, {"kind": "escalated", "id": item.pk, "decision": "remind"})
    assert response.status_code == 302
    reminded = Reminder.objects.get(action_item=item, rule=Reminder.Rule.REMINDED)
    assert reminded.recipient == world.lead_liaison  # the assigned liaison
    assert item.history.count() >= 1


@pytest.mark.parametrize("posted", [{}, {"kind": "submission", "id": "x"}, {"kind": "nope", "id": "1"}])
def test_a_malformed_decision_is_refused_and_changes_nothing(client, queue_world, posted):
    client.force_login(queue_world.coordinator)
    assert client.post(DECIDE, {**posted, "decision": "close"}).status_code == 404
    assert client.get(DECIDE).status_code == 405
    assert ActionItem.objects.filter(status=Status.CLOSED).count() == 0


# --- Bulk actions ----------------------------------------------------------------------------------------------


def bulk(client, action, items, **extra):
    data = {"action": f"bulk_{action}", "index": 0, "_selected_action": [item.pk for item in items], **extra}
    return client.post(f"{CHANGELIST}?state=all", data, follow=False)


def test_closing_two_submissions_at_once_reports_each_item(client, staff_world, move_to_status):
    world = staff_world
    concurred = []
    for n in range(2):
        item = move_to_status(new_item(world, f"Done {n}"), Status.IN_PROGRESS)
        services.concurrence_record(actor=world.supporting_liaison, item=item, agency=world.mofa, state="concur")
        concurred.append(services.action_item_transition(actor=world.lead_liaison, item=item, name="submit"))
    still_working = move_to_status(new_item(world, "Still working"), Status.IN_PROGRESS)
    client.force_login(world.coordinator)

    form = bulk(client, "close", [*concurred, still_working])
    assert form.status_code == 200 and "Still working" in form.text  # the short form lists what it applies to
    done = bulk(client, "close", [*concurred, still_working], apply="1", reason="")
    assert done.status_code == 302
    assert [ActionItem.objects.get(pk=item.pk).status for item in concurred] == [Status.CLOSED, Status.CLOSED]
    assert ActionItem.objects.get(pk=still_working.pk).status == Status.IN_PROGRESS
    messages = texts(done)
    assert any(f"#{concurred[0].pk}, #{concurred[1].pk}" in text for text in messages)
    assert any(text.startswith(f"#{still_working.pk} was not changed: ") for text in messages)


def test_bulk_return_needs_a_reason_and_keeps_the_selection(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "To return"), Status.SUBMITTED)
    client.force_login(world.coordinator)
    again = bulk(client, "return", [item], apply="1", reason="")
    assert again.status_code == 200 and f'value="{item.pk}"' in again.text
    assert ActionItem.objects.get(pk=item.pk).status == Status.SUBMITTED
    bulk(client, "return", [item], apply="1", reason="Missing annex")
    assert ActionItem.objects.get(pk=item.pk).status == Status.IN_PROGRESS


def test_bulk_assign_remind_extensions_and_coordinator(client, staff_world, move_to_status):
    world = staff_world
    drafts = [new_item(world, f"Draft {n}") for n in range(2)]
    client.force_login(world.coordinator)
    bulk(client, "assign", drafts)
    assert {ActionItem.objects.get(pk=item.pk).status for item in drafts} == {Status.ASSIGNED}

    reminded = bulk(client, "remind", drafts)
    assert Reminder.objects.filter(rule=Reminder.Rule.REMINDED, action_item__in=drafts).count() == 2
    assert reminded.status_code == 302

    for item in drafts:
        for step in ("acknowledge", "start"):
            services.action_item_transition(actor=world.lead_liaison, item=item, name=step)
    asking = drafts
    for item in asking:
        services.extension_request_create(
            actor=world.lead_liaison, item=item, requested_due_date=DUE + datetime.timedelta(days=7), reason="Why"
        )
    bulk(client, "approve_extensions", asking[:1])
    bulk(client, "deny_extensions", asking[1:], apply="1", reason="No room")
    states = [ExtensionRequest.objects.get(action_item=item).state for item in asking]
    assert states == [ExtensionRequest.State.APPROVED, ExtensionRequest.State.DENIED]

    form = bulk(client, "change_coordinator", asking)
    choices = {user.username for user in form.context["form"].fields["coordinator"].queryset}
    assert choices == {"coordinator", "director"}  # the department's people, no liaison, no other department
    bulk(client, "change_coordinator", asking, apply="1", coordinator=world.director.pk)
    assert {ActionItem.objects.get(pk=item.pk).coordinator for item in asking} == {world.director}


def test_liaisons_and_read_only_accounts_get_no_bulk_actions(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "Theirs"), Status.SUBMITTED)
    client.force_login(world.lead_liaison)
    page = client.get(CHANGELIST)
    offered = [value for value, _label in page.context["action_form"].fields["action"].choices if value]
    # A liaison exports what they see (lists and full records), and changes nothing in bulk.
    assert offered == ["export_xlsx", "export_csv", "export_records"]
    bulk(client, "close", [item], apply="1", reason="x")
    assert ActionItem.objects.get(pk=item.pk).status == Status.SUBMITTED


# --- The liaison home ------------------------------------------------------------------------------------------


def test_the_liaison_home_orders_by_what_needs_attention_and_acts_in_one_click(client, staff_world, move_to_status):
    world = staff_world
    waiting = move_to_status(new_item(world, "Acknowledge me"), Status.ASSIGNED)
    late = move_to_status(new_item(world, "Late one"), Status.IN_PROGRESS)
    ActionItem.objects.filter(pk=late.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    closed = move_to_status(new_item(world, "Finished long ago"), Status.CLOSED)
    client.force_login(world.lead_liaison)
    home = client.get(INDEX)
    sections = {
        section["key"]: [entry["item"].pk for entry in section["entries"]] for section in home.context["sections"]
    }
    assert sections["acknowledge"] == [waiting.pk] and sections["overdue"] == [late.pk]
    assert closed.title not in home.text  # closed and cancelled items are behind the list's filter
    assert "new" in {entry["novelty"] for section in home.context["sections"] for entry in section["entries"]}

    steps = {
        label for section in home.context["sections"] for entry in section["entries"] for label, _url in entry["forms"]
    }
    assert {"Decline…", "Route…", "Ask for an extension…", "Attach a file…"} <= steps
    assert "Post an update…" in steps  # on the overdue item, which is in progress
    response = client.post(HOME_ACT, {"item": waiting.pk, "action": "acknowledge"})
    assert response.status_code == 302 and response.url == INDEX
    assert ActionItem.objects.get(pk=waiting.pk).status == Status.ACKNOWLEDGED
    assert any("Acknowledge" in text for text in texts(response))
    assert ItemVisit.objects.filter(user=world.lead_liaison, action_item=waiting).exists()
    again = client.post(HOME_ACT, {"item": waiting.pk, "action": "acknowledge"})
    assert any(text.startswith(f"#{waiting.pk}: ") and "not possible" in text for text in texts(again))


def test_a_supporting_liaison_concurs_from_the_home(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "Concur on me"), Status.IN_PROGRESS)
    client.force_login(world.supporting_liaison)
    home = client.get(INDEX)
    concurrence = next(s for s in home.context["sections"] if s["key"] == "concurrence")
    assert [entry["item"].pk for entry in concurrence["entries"]] == [item.pk]
    client.post(HOME_ACT, {"item": item.pk, "action": "concur", "agency": world.mofa.pk})
    assert Concurrence.objects.get(action_item=item, agency=world.mofa).state == Concurrence.State.CONCUR
    # Someone else's agency, or an item they cannot see: nothing happens.
    other = move_to_status(new_item(world, "MOD only", supporting_agencies=[]), Status.IN_PROGRESS)
    assert client.post(HOME_ACT, {"item": other.pk, "action": "acknowledge"}).status_code == 404
    assert client.post(HOME_ACT, {"item": "x", "action": "concur"}).status_code == 404


def test_what_changed_since_the_last_visit_is_marked(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "Watch me"), Status.IN_PROGRESS)
    client.force_login(world.lead_liaison)
    client.get(reverse("admin:coordination_actionitem_change", args=[item.pk]))

    def novelty():
        home = client.get(INDEX)
        return {entry["item"].pk: entry["novelty"] for s in home.context["sections"] for entry in s["entries"]}[item.pk]

    assert novelty() == ""
    services.action_item_update(actor=world.coordinator, item=item, changes={"description": "New scope"})
    assert novelty() == "changed"
    assert "tracker-new" in client.get(CHANGELIST).text


# --- Attachments in the admin ----------------------------------------------------------------------------------


def test_a_liaison_attaches_a_pdf_and_others_download_it(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "With minutes"), Status.IN_PROGRESS)
    client.force_login(world.lead_liaison)
    url = reverse("admin:coordination_actionitem_act", args=[item.pk, "attach"])
    page = client.get(url)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    bad = client.post(url, {"file": SimpleUploadedFile("minutes.pdf", b"MZ\x90 not a pdf", "application/pdf")})
    assert bad.status_code == 200 and "not accepted" in bad.text and not Attachment.objects.exists()
    good = client.post(url, {"file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.7\n% minutes\n", "application/pdf")})
    assert good.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.uploaded_by == world.lead_liaison

    client.force_login(world.coordinator)
    change = client.get(reverse("admin:coordination_actionitem_change", args=[item.pk]))
    download = reverse("admin:coordination_actionitem_attachment", args=[item.pk, attachment.pk])
    assert download in change.text
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    client.force_login(world.other_coordinator)
    assert client.get(download).status_code == 404


def test_the_admin_upload_keeps_the_apis_size_limit(client, staff_world, move_to_status, settings):
    settings.API_ATTACHMENT_MAX_BYTES = 1024 * 1024
    item = move_to_status(new_item(staff_world, "Big file"), Status.IN_PROGRESS)
    client.force_login(staff_world.lead_liaison)
    url = reverse("admin:coordination_actionitem_act", args=[item.pk, "attach"])
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024), "application/pdf")
    response = client.post(url, {"file": big})
    assert response.status_code == 200 and "larger than the limit of 1 MB" in response.text
    assert not Attachment.objects.exists()


# --- Every console page for every role -------------------------------------------------------------------------

ROLES = [*MATRIX_ROLES, "readonly_integration"]
# Every page the console adds to the admin, with what a GET answers for someone with a department role, for a
# liaison, and the method it expects. A page added without a row here fails the first test below.
CONSOLE_PAGES = {
    "review_queue": {"coordinating": 200, "liaison": 404, "method": "GET"},
    "review_decide": {"coordinating": 405, "liaison": 405, "method": "POST"},
    "liaison_act": {"coordinating": 405, "liaison": 405, "method": "POST"},
    "dashboard_export": {"coordinating": 200, "liaison": 404, "method": "GET"},
    "import_upload": {"coordinating": 200, "liaison": 404, "method": "GET"},
    "import_confirm": {"coordinating": 405, "liaison": 405, "method": "POST", "args": [999999]},
    "import_template": {"coordinating": 200, "liaison": 404, "method": "GET"},
    "report_brief": {"coordinating": 200, "liaison": 404, "method": "GET"},
    "report_read_ahead": {"coordinating": 404, "liaison": 404, "method": "GET", "args": [999999]},
    # The account's own pages (users.account_pages): everyone's; the code page only while a code is owed.
    "account_security": {"coordinating": 200, "liaison": 200, "method": "GET"},
    "two_factor_enrol": {"coordinating": 200, "liaison": 200, "method": "GET"},
    "two_factor_verify": {"coordinating": 302, "liaison": 302, "method": "GET"},
    "recovery_codes_create": {"coordinating": 405, "liaison": 405, "method": "POST"},
    "two_factor_disable": {"coordinating": 405, "liaison": 405, "method": "POST"},
}


def test_every_console_page_has_a_row():
    assert {name for _route, _view, name in admin.site._pages} == set(CONSOLE_PAGES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CONSOLE_PAGES))
def test_every_console_page_for_every_role(client, queue_world, role, name):
    world = queue_world
    user = getattr(world, role)
    client.force_login(user)
    viewer = viewer_for(user, today=TODAY)
    door_open = user.is_staff and viewer.has_any_role and not user.is_integration
    before = sorted(ActionItem.objects.values_list("pk", "status", "updated_at"))
    url = reverse(f"admin:{name}", args=CONSOLE_PAGES[name].get("args", []))
    response = client.get(url)
    if not door_open:
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
        assert client.get(INDEX).status_code == 302
        return
    expected = CONSOLE_PAGES[name]["coordinating" if viewer.is_coordinating else "liaison"]
    assert response.status_code == expected
    index = client.get(INDEX)
    assert index.status_code == 200
    hidden = "Submission 0"  # the world's department's item: only its own people and MOD's liaisons see it
    sees = viewer.is_superuser or world.department.pk in (
        viewer.coordinator_department_ids | viewer.director_department_ids
    )
    sees = sees or world.mod.pk in viewer.liaison_agency_ids or world.mofa.pk in viewer.liaison_agency_ids
    if not sees:
        assert hidden not in index.text and hidden.encode() not in response.content
    # A POST from someone who may not decide changes nothing.
    if not viewer.is_coordinating or role in ("other_coordinator", "other_director"):
        item = world.submitted[0]
        client.post(
            reverse("admin:review_decide"), {"kind": "submission", "id": item.pk, "decision": "close", "reason": "x"}
        )
        client.post(reverse("admin:liaison_act"), {"item": item.pk, "action": "submit"})
        assert sorted(ActionItem.objects.values_list("pk", "status", "updated_at")) == before


# --- Saved views -----------------------------------------------------------------------------------------------


def test_saved_views_are_personal_or_shared_with_the_department(client, staff_world):
    world = staff_world
    save = reverse("admin:coordination_actionitem_view_save")
    client.force_login(world.coordinator)
    page = client.get(f"{CHANGELIST}?overdue=yes&p=2")
    assert page.context["saved_view_query"] == "overdue=yes"  # the page number is not part of a view
    response = client.post(save, {"name": "Overdue, mine", "query": "overdue=yes"})
    assert response.status_code == 302 and response.url.endswith("?overdue=yes")
    client.post(save, {"name": "Team weekly", "query": "due_this_week=yes", "shared_with": world.department.pk})
    refused = client.post(save, {"name": "Elsewhere", "query": "", "shared_with": world.other_department.pk})
    assert any("not saved" in text for text in texts(refused))
    nameless = client.post(save, {"name": " ", "query": "stale=yes"})
    assert nameless.url.endswith("?stale=yes") and any("name" in text for text in texts(nameless))

    listed = client.get(CHANGELIST)
    assert [entry["view"].name for entry in listed.context["saved_views"]] == ["Overdue, mine", "Team weekly"]
    assert client.get(f"{CHANGELIST}?due_this_week=yes").status_code == 200

    client.force_login(world.director)
    names = [entry["view"].name for entry in client.get(CHANGELIST).context["saved_views"]]
    assert names == ["Team weekly"]  # shared with the department; the personal one stays personal
    shared = SavedView.objects.get(name="Team weekly")
    client.post(reverse("admin:coordination_actionitem_view_remove", args=[shared.pk]))
    assert SavedView.objects.filter(pk=shared.pk).exists()  # only its owner removes it

    client.force_login(world.other_coordinator)
    assert client.get(CHANGELIST).context["saved_views"] == []
    gone = client.post(reverse("admin:coordination_actionitem_view_remove", args=[shared.pk]))
    assert gone.status_code == 404

    client.force_login(world.coordinator)
    client.post(reverse("admin:coordination_actionitem_view_remove", args=[shared.pk]))
    assert not SavedView.objects.filter(pk=shared.pk).exists()


# --- Language and time ------------------------------------------------------------------------------------------


def test_pages_show_japan_time_the_readers_date_format_and_japanese_titles(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(new_item(world, "Report on exercises", title_ja="演習に関する報告"), Status.ACKNOWLEDGED)
    # Acknowledged at 23:30 UTC on 1 June: 08:30 on 2 June in Tokyo.
    ActionItem.objects.filter(pk=item.pk).update(
        acknowledged_at=datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)
    )
    change = reverse("admin:coordination_actionitem_change", args=[item.pk])
    client.force_login(world.lead_liaison)

    english = client.get(change).text
    assert "June 2, 2026, 8:30 a.m." in english and "Report on exercises" in english
    assert "June 30, 2026" in client.get(CHANGELIST).text  # the due date in the English date format

    world.lead_liaison.preferred_language = "ja"
    world.lead_liaison.save(update_fields=["preferred_language"])
    japanese = client.get(change).text
    assert "2026年6月2日8:30" in japanese and "演習に関する報告" in japanese
    listed = client.get(CHANGELIST).text
    assert "2026年6月30日" in listed and "演習に関する報告" in listed
    home = client.get(INDEX).text
    assert "演習に関する報告" in home and "所属省庁の案件" in home


# --- Choices that fit ------------------------------------------------------------------------------------------


def test_the_change_form_offers_only_people_and_units_that_fit(client, staff_world, move_to_status):
    world = staff_world
    item = move_to_status(world.item, Status.ASSIGNED)
    client.force_login(world.coordinator)
    form = client.get(reverse("admin:coordination_actionitem_change", args=[item.pk])).context["adminform"].form
    coordinators = {user.username for user in form.fields["coordinator"].queryset}
    assert coordinators == {"coordinator", "director"}  # no liaison, nobody of the other department
    liaisons = {liaison.user.username for liaison in form.fields["assigned_liaison"].queryset}
    assert liaisons == {"mod-liaison"}  # the lead agency's liaisons in office, not MOFA's or the former one
    assert set(form.fields["org_unit"].queryset) == {world.mod_unit}
    # A new item has no lead agency yet: it is routed once it exists.
    add = client.get(reverse("admin:coordination_actionitem_add")).context["adminform"].form
    assert "assigned_liaison" not in add.fields and "org_unit" not in add.fields
    assert {user.username for user in add.fields["coordinator"].queryset} == {"coordinator", "director"}


def test_a_former_liaison_still_assigned_stays_a_choice_so_the_form_saves_unchanged(
    client, staff_world, move_to_status
):
    world = staff_world
    item = move_to_status(world.item, Status.ASSIGNED)
    ActionItem.objects.filter(pk=item.pk).update(assigned_liaison=world.ended_term)
    client.force_login(world.coordinator)
    form = client.get(reverse("admin:coordination_actionitem_change", args=[item.pk])).context["adminform"].form
    assert world.ended_term in form.fields["assigned_liaison"].queryset


def test_assigned_to_me_lists_the_items_routed_to_the_liaison(client, staff_world, move_to_status):
    world = staff_world
    mine = move_to_status(world.item, Status.ASSIGNED)  # routed to mod-liaison when created
    other = move_to_status(new_item(world, "Unrouted"), Status.ASSIGNED)
    client.force_login(world.lead_liaison)
    listed = client.get(f"{CHANGELIST}?assigned_to_me=yes")
    assert [row.pk for row in listed.context["cl"].result_list] == [mine.pk]
    assert other.title in client.get(CHANGELIST).text
