"""Tamper evidence: the history and the security log are sealed as they are written, and `verify_audit` finds a row
changed, deleted or inserted straight in the database (the way someone with database access and no key would)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from audit.anchors import anchor_write, anchors_read
from audit.models import AuditChain
from audit.records import SealedRecord
from audit.sealing import chain_name
from audit.verify import audit_verify, sealed_models
from coordination import services
from coordination.models import ActionItem
from tests.factories import ActionItemFactory
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

Item = ActionItem.history.model
ITEM_TABLE = Item._meta.db_table


@pytest.fixture
def worked(world):
    """The world's item assigned, acknowledged and reported on, with a dependency and security events: history in
    several tables, a many-to-many history among them."""
    item = world.item
    earlier = ActionItemFactory(department=world.department, lead_agency=world.mod)
    services.action_item_update(actor=world.coordinator, item=item, changes={"dependencies": [earlier]})
    services.action_item_transition(actor=world.coordinator, item=item, name="assign")
    services.action_item_transition(actor=world.lead_liaison, item=item, name="acknowledge")
    services.progress_update_create(actor=world.lead_liaison, item=item, text="Drafting", percent_complete=20)
    services.action_item_update(actor=world.coordinator, item=item, changes={"title": "Draft the strategy, v2"})
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.EXPORT, user=world.coordinator, departments=[world.department])
    return world


def run(*arguments) -> tuple[bool, str]:
    """verify_audit's verdict and what it printed."""
    out = StringIO()
    try:
        call_command("verify_audit", "--no-anchor-dir", *arguments, stdout=out, stderr=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def item_rows() -> list[tuple[int, int]]:
    """(history id, place in the chain) of the item history rows, oldest first."""
    return list(Item.objects.order_by("seal_seq").values_list("history_id", "seal_seq"))


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_every_history_table_and_the_security_log_is_sealed():
    # Generated from the project: every simple-history table (and each many-to-many history beside it).
    histories = {model for model in apps.get_models() if getattr(model, "instance_type", None) is not None}
    histories |= {
        model
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name == "history" and field.related_model in histories
    }
    assert ActionItem.history.model in histories and len(histories) >= 17
    for model in histories | {SecurityEvent}:
        assert issubclass(model, SealedRecord), model._meta.label
    assert set(sealed_models()) == histories | {SecurityEvent}


def test_an_untouched_record_verifies(worked):
    ok, printed = run()
    assert ok, printed
    assert "intact" in printed
    report = audit_verify()
    assert report.ok and report.rows >= 15
    # Each table is one chain without a gap, and the chain's head in the database is its newest row.
    for model in sealed_models():
        places = list(model.objects.order_by("seal_seq").values_list("seal_seq", flat=True))
        assert places == list(range(1, len(places) + 1)), model._meta.label
        length = AuditChain.objects.filter(name=chain_name(model)).values_list("length", flat=True).first() or 0
        assert length == len(places)


def test_a_field_changed_in_the_database_is_caught_at_its_row(worked):
    rows = item_rows()
    history_id, place = rows[2]
    sql(f"UPDATE {ITEM_TABLE} SET title = %s WHERE history_id = %s", ["Nothing was decided", history_id])
    ok, printed = run()
    assert not ok
    assert f"coordination.historicalactionitem: changed at place {place}, row id {history_id}" in printed
    problems = audit_verify().problems
    assert [(problem.kind, problem.seq) for problem in problems] == [("changed", place)]  # its neighbours still hold


def test_a_history_row_that_names_someone_else_is_caught(worked):
    history_id, place = item_rows()[1]
    sql(f"UPDATE {ITEM_TABLE} SET history_user_id = %s WHERE history_id = %s", [worked.director.pk, history_id])
    assert [(problem.kind, problem.seq) for problem in audit_verify().problems] == [("changed", place)]


def test_a_middle_row_deleted_is_caught(worked):
    history_id, place = item_rows()[2]
    sql(f"DELETE FROM {ITEM_TABLE} WHERE history_id = %s", [history_id])
    ok, printed = run()
    assert not ok and f"deleted at place {place}" in printed
    assert [(problem.kind, problem.seq) for problem in audit_verify().problems] == [("deleted", place)]


def test_the_newest_rows_deleted_are_caught_by_the_chains_head(worked):
    rows = item_rows()
    for history_id, _place in rows[-2:]:
        sql(f"DELETE FROM {ITEM_TABLE} WHERE history_id = %s", [history_id])
    problems = audit_verify().problems
    assert [(problem.kind, problem.seq) for problem in problems] == [("deleted", rows[-2][1])]
    assert "the newest rows" in problems[0].detail


def test_the_newest_rows_deleted_with_the_head_rewritten_are_caught_by_the_anchor(worked, tmp_path):
    path, _document = anchor_write(folder=tmp_path)
    rows = item_rows()
    keep_id, keep_place = rows[-3]
    seal = Item.objects.get(history_id=keep_id).seal
    for history_id, _place in rows[-2:]:
        sql(f"DELETE FROM {ITEM_TABLE} WHERE history_id = %s", [history_id])
    # Whoever deleted them also moved the head in the database back to the row that is now the newest.
    sql(
        "UPDATE audit_auditchain SET length = %s, head_mac = %s WHERE name = %s",
        [keep_place, seal.split(":")[2], chain_name(Item)],
    )
    assert audit_verify().ok  # without the anchor, nothing in the database gives it away
    ok, printed = run("--anchors", str(tmp_path))
    assert not ok
    assert f"the chain ends at {keep_place}, but {path.name} saw it {rows[-1][1]} rows long" in printed
    # The copy emailed to the superusers does the same when the folder on the server is gone too.
    emailed = tmp_path / "from-the-email.json"
    emailed.write_text(path.read_text())
    path.chmod(0o600)
    path.unlink()
    assert not run("--anchors", str(emailed))[0]


def test_a_row_inserted_out_of_order_is_caught(worked):
    rows = item_rows()
    template_id, place = rows[1]
    columns = [field.column for field in Item._meta.concrete_fields if not field.primary_key]
    listed = ", ".join(columns)
    # A copy of a sealed row, seal and all, slipped in: its place is taken twice and it is stored after its followers.
    sql(f"INSERT INTO {ITEM_TABLE} ({listed}) SELECT {listed} FROM {ITEM_TABLE} WHERE history_id = %s", [template_id])
    problems = audit_verify().problems
    assert problems and problems[0].kind == "inserted" and problems[0].seq == place
    assert "a second row at place" in problems[0].detail


def test_a_row_inserted_without_a_seal_is_caught(worked):
    template_id, _place = item_rows()[0]
    columns = [
        field.column
        for field in Item._meta.concrete_fields
        if not field.primary_key and field.name not in ("seal_seq", "seal")
    ]
    listed = ", ".join(columns)
    sql(
        f"INSERT INTO {ITEM_TABLE} ({listed}, seal) SELECT {listed}, '' FROM {ITEM_TABLE} WHERE history_id = %s",
        [template_id],
    )
    problems = audit_verify().problems
    assert problems[0].kind == "inserted" and problems[0].seq is None
    assert "without a seal" in problems[0].detail


def test_the_departments_of_a_security_event_are_under_its_seal(worked):
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    through = SecurityEvent.departments.through._meta.db_table
    sql(f"UPDATE {through} SET department_id = %s WHERE securityevent_id = %s", [worked.other_department.pk, event.pk])
    problems = audit_verify().problems
    assert [(problem.chain, problem.kind, problem.pk) for problem in problems] == [
        ("users.securityevent", "changed", event.pk)
    ]


def test_a_new_key_keeps_the_older_seals_verifying_while_the_old_key_is_listed(worked, settings):
    old = settings.AUDIT_KEY
    settings.AUDIT_KEY = "a-new-key-for-the-next-years-0123456789"
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN, user=worked.coordinator)
    problems = audit_verify().problems
    assert problems and {problem.kind for problem in problems} == {"unknown_key"}
    settings.AUDIT_PREVIOUS_KEYS = [old]
    assert audit_verify().ok


def test_a_seal_made_with_another_key_does_not_verify(worked, settings):
    settings.AUDIT_KEY = "someone-elses-key-0123456789abcdef"
    settings.AUDIT_PREVIOUS_KEYS = []
    assert {problem.kind for problem in audit_verify().problems} == {"unknown_key"}


def test_sealed_rows_are_never_changed_through_the_application(worked):
    record = worked.item.history.first()
    record.history_change_reason = "rewritten"
    with pytest.raises(TypeError, match="never changed"):
        record.save()
    event = SecurityEvent.objects.first()
    with pytest.raises(TypeError):
        event.save()


def test_an_anchor_names_every_table_and_reads_back(worked, tmp_path):
    path, document = anchor_write(folder=tmp_path)
    assert json.loads(path.read_text()) == document
    assert set(document["chains"]) >= {chain_name(Item), "users.securityevent"}
    anchors, unreadable = anchors_read([tmp_path])
    assert not unreadable and {anchor.chain for anchor in anchors} == set(document["chains"])
    (tmp_path / "audit-anchor-broken.json").write_text("{not json")
    assert anchors_read([tmp_path])[1]
    ok, printed = run("--anchors", str(tmp_path))
    assert not ok and "Anchor not readable" in printed


def test_a_missing_anchor_path_is_a_clear_error(worked, tmp_path):
    ok, printed = run("--anchors", str(tmp_path / "nowhere"))
    assert not ok and "No such anchor file or folder" in printed
