"""How rows are sealed as they are written: ALL_CHAINS locked once per transaction before any chain, a history row
and the rows of its many-to-many history taking their places in one statement, and a seal naming the version of its
own field list whatever versions the table has had."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from audit.models import AuditChain, AuditSchema
from audit.sealing import ALL_CHAINS, chain_name, seal_parts, sealed_fields
from audit.verify import audit_verify
from coordination import services
from coordination.models import ActionItem
from tests.conftest import DUE, NOW
from tests.factories import AgencyFactory
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

CHAINS = AuditChain._meta.db_table


def chain_statements(queries) -> list[str]:
    """The statements on the chains' table, each as "all" (ALL_CHAINS), "chains" (the tables' own chains), or
    "all, then chains" (both in one statement, on PostgreSQL)."""
    statements = [query["sql"] for query in queries.captured_queries if f'"{CHAINS}"' in query["sql"]]
    return [
        ("all, then chains" if "WITH all_chains" in sql else "all") if f"'{ALL_CHAINS}'" in sql else "chains"
        for sql in statements
    ]


def locked_and_moved() -> list[str]:
    """The first seal of a transaction locks ALL_CHAINS and moves its chains: in one statement on PostgreSQL."""
    return ["all, then chains"] if connection.vendor == "postgresql" else ["all", "chains"]


def as_after_a_transaction() -> None:
    """Nothing locked any more, as at the start of a request's transaction (a savepoint rolled back drops what was
    locked after it; the test's own transaction stays open)."""
    transaction.savepoint_rollback(transaction.savepoint())


def test_a_transaction_locks_all_chains_once_before_its_first_chain(world):
    SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN, username="someone")  # its chain's first row
    as_after_a_transaction()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        AgencyFactory(code="ONE")
        AgencyFactory(code="TWO")
        SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN, username="someone")
    # Each seal: its chain moved and read in one statement, its head written in another.
    assert chain_statements(queries) == locked_and_moved() + ["chains"] * 5
    assert audit_verify().ok


def test_a_lock_rolled_back_with_its_savepoint_is_taken_again(world):
    as_after_a_transaction()
    with transaction.atomic():
        with transaction.atomic():
            AgencyFactory(code="ONE")
            transaction.set_rollback(True)
        with CaptureQueriesContext(connection) as queries:
            AgencyFactory(code="TWO")
    assert chain_statements(queries) == [*locked_and_moved(), "chains"]
    assert not Agency.objects.filter(code="ONE").exists()
    assert audit_verify().ok


def test_a_history_row_and_its_many_to_many_rows_take_their_places_together(world):
    dependencies = [
        services.action_item_create(
            actor=world.coordinator, department=world.department, title=f"Before {number}", lead_agency=world.mod,
            due_date=DUE, now=NOW,
        )
        for number in range(3)
    ]  # fmt: skip
    item = world.item
    services.action_item_update(actor=world.coordinator, item=item, changes={"dependencies": dependencies})
    as_after_a_transaction()
    with CaptureQueriesContext(connection) as queries:
        services.action_item_transition(actor=world.coordinator, item=item, name="assign")
    # Both chains moved in one statement and their heads written in one, whatever the number of dependencies.
    assert chain_statements(queries) == [*locked_and_moved(), "chains"]
    newest = ActionItem.history.order_by("-history_id").first()
    assert newest.status == ActionItem.Status.ASSIGNED and newest.history_user == world.coordinator
    rows = list(newest.dependencies.order_by("seal_seq").values_list("to_actionitem_id", "seal_seq"))
    # Sealed in the order of the links' own rows (which `set()` wrote in whatever order its ids came).
    links = ActionItem.dependencies.through.objects.filter(from_actionitem=item).order_by("pk")
    assert [row[0] for row in rows] == list(links.values_list("to_actionitem_id", flat=True))
    assert sorted(row[0] for row in rows) == sorted(d.pk for d in dependencies)
    length = AuditChain.objects.get(name=chain_name(type(newest.dependencies.first()))).length
    assert [row[1] for row in rows] == list(range(length - 2, length + 1))
    report = audit_verify()
    assert report.ok, [problem.describe() for problem in report.problems]


def test_a_seal_names_the_version_of_its_own_field_list(world):
    model = Agency.history.model
    chain = chain_name(model)
    attnames = [field.attname for field in sealed_fields(model)]
    current = AuditSchema.objects.get(chain=chain, fields=attnames).version
    # A newer version listed for another field list (as after the code went back to an earlier release).
    AuditSchema.objects.create(chain=chain, version=current + 1, fields=attnames[:-1])
    AgencyFactory(code="NEW")
    newest = model.objects.order_by("-seal_seq").first()
    assert seal_parts(newest.seal)[1] == current
    assert audit_verify().ok
