"""Reference data through the API: what each role sees, and the writes coordinators make (meetings, initiatives,
ending a liaison's term)."""

from __future__ import annotations

import datetime

from agencies.models import Liaison
from coordination.models import Initiative, Meeting
from tests.factories import LiaisonFactory


def test_a_coordinator_records_a_meeting_and_changes_it(api, world):
    client = api("coordinator")
    body = {"department": "NSS-SCD", "title": "Director-level meeting", "held_on": "2026-06-02", "agencies": ["MOD"]}
    created = client.post("/api/v1/meetings/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["agencies"] == ["MOD"]
    url = f"/api/v1/meetings/{created.json()['id']}/"
    changed = client.patch(url, {"agencies": ["MOD", "MOFA"], "notes": "MOFA joins"}, format="json")
    assert changed.status_code == 200 and changed.json()["agencies"] == ["MOD", "MOFA"]
    meeting = Meeting.objects.get()
    assert meeting.history.latest().history_user == world.coordinator
    # The supporting liaison's agency now took part, so they see it too.
    assert api("supporting_liaison").get(url).status_code == 200


def test_meeting_input_errors_are_clear_and_nothing_is_saved(api, world):
    client = api("coordinator")
    response = client.post(
        "/api/v1/meetings/", {"department": "NSS-SCD", "title": "", "held_on": "June", "agencies": ["XX"]}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "held_on", "agencies"}
    other = client.post(
        "/api/v1/meetings/", {"department": "NSS-STRATCOM", "title": "Not mine", "held_on": "2026-06-02"}
    )
    assert other.status_code == 403
    assert not Meeting.objects.exists()


def test_initiatives_are_created_changed_and_deactivated_never_deleted(api, world):
    client = api("director")
    created = client.post(
        "/api/v1/initiatives/", {"department": "NSS-SCD", "code": "P1", "title_en": "Defense diplomacy"}
    )
    assert created.status_code == 201
    duplicate = client.post("/api/v1/initiatives/", {"department": "NSS-SCD", "code": "P1", "title_en": "Again"})
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
    url = f"/api/v1/initiatives/{created.json()['id']}/"
    assert client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert client.patch(url, {"department": "NSS-STRATCOM"}, format="json").status_code == 400
    assert client.delete(url).status_code == 405
    assert Initiative.objects.get().department == world.department


def test_ending_a_term_through_the_api_cuts_access_at_once(api, world):
    # A coordinator of one department must not cut a ministry off from every department.
    refused = api("coordinator").post(f"/api/v1/liaisons/{world.lead_term.pk}/end-term/", {}, format="json")
    assert refused.status_code == 403 and "primary liaison" in refused.json()["detail"]
    assert Liaison.objects.get(pk=world.lead_term.pk).end_date is None
    response = api("superuser").post(f"/api/v1/liaisons/{world.lead_term.pk}/end-term/", {}, format="json")
    assert response.status_code == 200 and response.json()["in_office"] is False
    assert api("lead_liaison").get("/api/v1/action-items/").status_code == 401
    assert Liaison.objects.get(pk=world.lead_term.pk).end_date == datetime.date(2026, 6, 1)


def test_a_liaison_sees_only_their_own_agencys_liaison_terms(api, world):
    codes = {term["agency"] for term in api("lead_liaison").get("/api/v1/liaisons/").json()["results"]}
    assert codes == {"MOD"}
    everyone = {term["agency"] for term in api("coordinator").get("/api/v1/liaisons/").json()["results"]}
    assert everyone == {"MOD", "MOFA", "METI"}


def test_the_history_endpoint_shows_the_item_and_everything_recorded_on_it(api, world, move_to_status):
    from coordination import services

    move_to_status(world.item, "in_progress")
    services.progress_update_create(actor=world.lead_liaison, item=world.item, text="Draft sent", percent_complete=40)
    services.concurrence_record(actor=world.supporting_liaison, item=world.item, agency=world.mofa, state="concur")
    history = api("supporting_liaison").get(f"/api/v1/action-items/{world.item.pk}/history/").json()
    kinds = {(entry["record"], entry["change"], entry["user"]) for entry in history}
    assert ("progress_update", "created", "mod-liaison") in kinds
    assert ("concurrence", "changed", "mofa-liaison") in kinds
    assert ("action_item", "created", "coordinator") in kinds
    concurrence = next(entry for entry in history if entry["record"] == "concurrence" and entry["change"] == "changed")
    assert {"field": "state", "old": "pending", "new": "concur"} in concurrence["changes"]
    assert [entry["at"] for entry in history] == sorted((entry["at"] for entry in history), reverse=True)


def test_the_reminder_ledger_is_filtered_by_item_recipient_rule_and_state(api, world, move_to_status):
    from coordination.models import Reminder

    move_to_status(world.item, "assigned")  # records the assignment notices to MOD and MOFA
    Reminder.objects.filter(recipient=world.supporting_liaison).update(state="sent", sent_at=world.item.created_at)
    client = api("coordinator")
    everything = client.get("/api/v1/reminders/").json()["results"]
    assert {(row["rule"], row["recipient"]) for row in everything} == {
        ("assigned", "mod-liaison"),
        ("assigned", "mofa-liaison"),
    }
    filtered = client.get(
        "/api/v1/reminders/", {"action_item": world.item.pk, "recipient": "mod-liaison", "state": "pending"}
    ).json()["results"]
    assert [row["recipient"] for row in filtered] == ["mod-liaison"]
    assert client.get("/api/v1/reminders/", {"rule": "assigned,overdue"}).status_code == 200
    assert client.get("/api/v1/reminders/", {"state": "lost"}).status_code == 400
    mine = api("supporting_liaison").get("/api/v1/reminders/").json()["results"]
    assert [row["recipient"] for row in mine] == ["mofa-liaison"]  # a liaison sees only what was addressed to them
    assert api("coordinator").post("/api/v1/reminders/", {}).status_code == 405


def test_a_primary_liaison_ends_their_agencys_alternates_and_nobody_their_own_term(api, world):
    alternate = LiaisonFactory(agency=world.mod, role=Liaison.Role.ALTERNATE, user__username="mod-alternate")
    mofa_alternate = LiaisonFactory(agency=world.mofa, role=Liaison.Role.ALTERNATE)
    own = api("lead_liaison").post(f"/api/v1/liaisons/{world.lead_term.pk}/end-term/", {}, format="json")
    assert own.status_code == 403
    other_agency = api("lead_liaison").post(f"/api/v1/liaisons/{mofa_alternate.pk}/end-term/", {}, format="json")
    assert other_agency.status_code == 404  # MOFA's terms are not MOD's liaison's to see
    ended = api("lead_liaison").post(f"/api/v1/liaisons/{alternate.pk}/end-term/", {}, format="json")
    assert ended.status_code == 200 and ended.json()["in_office"] is False
    assert Liaison.objects.get(pk=world.lead_term.pk).end_date is None
    assert Liaison.objects.get(pk=mofa_alternate.pk).end_date is None
