"""Search over items in Japanese and English, from the admin list and the API alike: titles, description, external
id, progress updates and attached file names; ranked; never beyond what the reader sees."""

from __future__ import annotations

import base64
import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination import search, services
from coordination.models import ActionItem
from coordination.search import items_search
from tests.conftest import DUE

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:coordination_actionitem_changelist")


@pytest.fixture
def corpus(staff_world, move_to_status):
    world = staff_world

    def item(title, **fields):
        return services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=title,
            lead_agency=world.mod,
            due_date=DUE,
            **fields,
        )

    made = {
        "world": world.item,  # "Draft a defense diplomacy strategy"
        "strategy": item("Scope paper for the engagement plan", title_ja="防衛外交戦略の策定", external_id="NSS-0042"),
        "ukraine": item("Equipment list for Ukraine", title_ja="ウクライナ向け装備品リスト"),
        "described": item("Budget options", description="Compare with the defense cooperation program of Australia"),
        "updated": move_to_status(
            item("Coast guard channel", title_ja="海上保安庁との窓口"), ActionItem.Status.IN_PROGRESS
        ),
        "filed": move_to_status(item("Exercise calendar"), ActionItem.Status.IN_PROGRESS),
    }
    services.progress_update_create(
        actor=world.lead_liaison, item=made["updated"], text="巡視船の運用調整を開始した", percent_complete=20
    )
    services.attachment_create(
        actor=world.lead_liaison,
        item=made["filed"],
        upload=SimpleUploadedFile("Pacific-Partnership-plan.pdf", b"%PDF-1.7\n%\n", "application/pdf"),
    )
    made["hidden"] = services.action_item_create(
        actor=world.other_coordinator,
        department=world.other_department,
        title="Defense messaging for the strategy launch",
        title_ja="防衛戦略の発信",
        lead_agency=world.mod,
        due_date=DUE,
    )
    return made


def found(client, query) -> list[int]:
    response = client.get(CHANGELIST, {"q": query, "state": "all"})
    assert response.status_code == 200
    return [item.pk for item in response.context["cl"].result_list]


def api_found(api_client, query) -> list[int]:
    response = api_client.get("/api/v1/action-items/", {"search": query})
    assert response.status_code == 200
    return [item["id"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("防", ["strategy"]),  # one Japanese character
        ("外交", ["strategy"]),  # two
        ("防衛外交戦略", ["strategy"]),  # several
        ("ウクライナ", ["ukraine"]),
        ("巡視船", ["updated"]),  # in a progress update
        ("pacific-partnership", ["filed"]),  # in an attached file's name
        ("AUSTRALIA", ["described"]),  # in the description, any case
        ("ｎｓｓ－００４２", ["strategy"]),  # full-width forms find the external id
        ("defense strategy", ["world"]),  # every word must occur
        ("defense", ["world", "described"]),  # the title match first
        ("nothing-like-this", []),
    ],
)
def test_the_admin_and_the_api_find_the_same_items(client, api, staff_world, corpus, query, expected):
    client.force_login(staff_world.coordinator)
    ids = [corpus[key].pk for key in expected]
    assert found(client, query) == ids
    assert api_found(api("coordinator"), query) == ids


def test_an_exact_external_id_comes_first(staff_world, corpus):
    other = services.action_item_create(
        actor=staff_world.coordinator,
        department=staff_world.department,
        title="Follow-up to NSS-0042 (annex)",
        lead_agency=staff_world.mod,
        due_date=DUE,
    )
    ranked = list(items_search(ActionItem.objects.order_by("pk"), "NSS-0042").order_by("-search_rank", "pk"))
    assert [item.pk for item in ranked] == [corpus["strategy"].pk, other.pk]


def test_a_hidden_item_is_never_found(client, api, staff_world, corpus):
    client.force_login(staff_world.coordinator)
    assert corpus["hidden"].pk not in found(client, "防衛") + api_found(api("coordinator"), "防衛")
    client.force_login(staff_world.unrelated_liaison)
    assert found(client, "defense") == []
    assert api_found(api("unrelated_liaison"), "defense") == []
    client.force_login(staff_world.other_coordinator)
    assert found(client, "防衛") == [corpus["hidden"].pk]


def test_changing_a_title_changes_what_finds_it_and_history_stays_clean(staff_world, corpus):
    item = corpus["ukraine"]
    services.action_item_update(actor=staff_world.coordinator, item=item, changes={"title_ja": "支援物資リスト"})
    assert not items_search(ActionItem.objects.filter(pk=item.pk), "ウクライナ").exists()
    assert items_search(ActionItem.objects.filter(pk=item.pk), "支援物資").exists()
    fields = {field.name for field in ActionItem.history.model._meta.fields}
    assert "search_text" not in fields and "search_title" not in fields


def test_search_uses_an_index_on_postgresql_and_a_scan_on_sqlite(corpus):
    sql, params = items_search(ActionItem.objects.all(), "diplomacy").only("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # as on a large table, where the planner prefers it
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "action_item_search_text_trgm" in plan, plan
    else:
        assert connection.vendor == "sqlite"
        assert "LIKE" in sql.upper()


@pytest.mark.parametrize("query", ["防衛", "調整", "防衛 外交", "ab", "防衛 strategy", "調", "無い"])
def test_two_character_terms_find_exactly_what_a_scan_finds(corpus, query):
    """On PostgreSQL the bigram index narrows two-character terms; the answer is the scan's, term for term."""
    items = ActionItem.objects.all()
    scanned = items
    for term in query.split():
        scanned = scanned.filter(search_text__contains=term)
    assert sorted(items_search(items, query).values_list("pk", flat=True)) == sorted(
        scanned.values_list("pk", flat=True)
    )


def test_two_character_terms_use_the_bigram_index_on_postgresql(corpus):
    sql, params = items_search(ActionItem.objects.all(), "防衛").only("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "action_item_search_text_bigrams" in plan, plan
    else:
        assert connection.vendor == "sqlite"
        assert "coordination_search_bigrams" not in sql


@pytest.mark.services_leg  # the function lives in PostgreSQL (migration 0022)
def test_the_bigram_function_gives_every_pair_of_characters_side_by_side():
    texts = ["", "防", "防衛", "防衛外", "防衛外交戦略", "a b\nc", "ｎｓｓ 調整\n\n巡視船の運用", "x" * 1001]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute("SELECT coordination_search_bigrams(%s)", [text])
            pairs = cursor.fetchone()[0]
            assert sorted(pairs) == sorted(text[start : start + 2] for start in range(len(text) - 1)), text


def test_the_search_document_holds_updates_then_file_names_newest_first_read_in_one_query(
    staff_world, move_to_status, django_assert_num_queries
):
    from coordination.search import search_document

    world = staff_world
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    for number, moment in enumerate(("2026-06-01T10:00+09:00", "2026-06-02T10:00+09:00"), start=1):
        services.progress_update_create(
            actor=world.lead_liaison, item=item, text=f"ＵＰＤＡＴＥ {number}", percent_complete=10 * number,
            now=datetime.datetime.fromisoformat(moment),
        )  # fmt: skip
        upload = SimpleUploadedFile(f"File-{number}.pdf", b"%PDF-1.7\n%\n", "application/pdf")
        services.attachment_create(
            actor=world.lead_liaison, item=item, upload=upload, now=datetime.datetime.fromisoformat(moment)
        )
    item.refresh_from_db()
    with django_assert_num_queries(1):
        title, text = search_document(item)
    assert title == "draft a defense diplomacy strategy"
    assert text.split("\n")[-4:] == ["update 2", "update 1", "file-2.pdf", "file-1.pdf"]
    assert (item.search_title, item.search_text) == (title, text)  # as the services last wrote it


@pytest.fixture
def ranked(staff_world, corpus):
    """Items holding "defense" at every rank: one whose external id it is, several in their titles, several
    elsewhere only; created out of id order within each rank."""
    world = staff_world

    def item(title, **fields):
        return services.action_item_create(
            actor=world.coordinator, department=world.department, title=title, lead_agency=world.mod, due_date=DUE,
            **fields,
        )  # fmt: skip

    for number in range(4):
        item(f"Defense attaché meeting {number}")
        item(f"Port visit {number}", description="Arranged with the defense ministry's protocol office.")
    item("Liaison roster", external_id="Defense")
    return world


def paged(api_client, query: str, url: str | None = None, *, link: str = "next") -> tuple[list[int], list[str]]:
    """The ids of every page from `url` on, following `link`; and each cursor followed."""
    ids, cursors = [], []
    url = url or f"/api/v1/action-items/?search={query}&page_size=2"
    while url:
        answer = api_client.get(url)
        assert answer.status_code == 200, answer.content[:300]
        page = [row["id"] for row in answer.json()["results"]]
        ids += page if link == "next" else page[::-1]
        url = answer.json()[link]
        if url:
            cursors.append(parse_qs(urlsplit(url).query)["cursor"][0])
    return ids, cursors


# (window, table size from which pages are read from a window, whether a window would hold a page of the query's
# matches): a window of 1 item, of 3, of more than the table, looked in whatever the count; a window of 3 items, which
# the count says would not hold a page of so few matches (they are ranked at once); and the defaults, under which a
# table this small ranks every match in one query.
WINDOWS = [
    (1, 0, True),
    (3, 0, True),
    (10_000, 0, True),
    (3, 0, None),
    (search.WINDOW, search.WINDOWED_FROM, None),
]


@pytest.mark.parametrize(("window", "windowed_from", "would_fill"), WINDOWS)
@pytest.mark.parametrize("query", ["defense", "arranged"])
def test_a_search_pages_forwards_and_backwards_by_rank_then_id_without_offsets(
    api, ranked, monkeypatch, window, windowed_from, would_fill, query
):
    """Each rank is read from a window of items by id, then from the indexes: whatever the window, the pages are the
    ranked results in order, and each cursor holds the last item's rank and id (no offset, which would stop at 1,000
    items of one rank). "defense" is an item's external id, in titles and elsewhere; "arranged" only elsewhere."""
    monkeypatch.setattr(search, "WINDOW", window)
    monkeypatch.setattr(search, "WINDOWED_FROM", windowed_from)
    if would_fill is not None:
        monkeypatch.setattr(search, "_window_would_fill", lambda items, query, limit: would_fill)
    seen = ActionItem.objects.filter(department=ranked.department)
    expected = list(items_search(seen, query).order_by("-search_rank", "id").values_list("pk", flat=True))
    ranks = dict(items_search(seen, query).values_list("pk", "search_rank"))
    counts = [list(ranks.values()).count(rank) for rank in (3, 2, 1)]
    exact, in_titles, elsewhere = counts
    assert exact == (query == "defense") and (in_titles >= 4) == (query == "defense") and elsewhere >= 4, counts

    forwards, cursors = paged(api("coordinator"), query)
    assert forwards == expected
    last_page = f"/api/v1/action-items/?search={query}&page_size=2&cursor={cursors[-1]}"
    backwards, back_cursors = paged(api("coordinator"), query, last_page, link="previous")
    assert backwards == expected[::-1]
    for cursor in cursors + back_cursors:
        position = parse_qs(base64.b64decode(cursor).decode())
        assert "o" not in position, position
        rank, item_id = position["p"][0].split(".")
        assert ranks[int(item_id)] == int(rank)


def test_a_search_page_is_read_from_a_window_only_in_a_large_table_for_a_word_many_items_hold(api, ranked, monkeypatch):
    """A common word's page, in a table of many windows, is three questions: whether enough items hold it for a window
    to hold a page of them (a count that stops there), its ids from the window (and whether an item's external id is
    the query), then their rows. A rarer word's is two: the count, then every match ranked. In a smaller table it is
    one: every match ranked. The table's size and the count are read once, then again only after `TABLE_SECONDS`."""
    clock = [1000.0]
    monkeypatch.setattr(search.time, "monotonic", lambda: clock[0])
    client = api("coordinator")
    client.get("/api/v1/action-items/")  # the token's first use is recorded once, before counting
    size = ActionItem.objects.count()
    assert ActionItem.objects.filter(search_text__contains="attaché").count() == 4

    def searched(windowed_from: int, window: int) -> list[str]:
        monkeypatch.setattr(search, "WINDOWED_FROM", windowed_from)
        monkeypatch.setattr(search, "WINDOW", window)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/action-items/", {"search": "attaché", "page_size": 2})
        assert [row["title"] for row in answer.json()["results"]] == [
            "Defense attaché meeting 0",
            "Defense attaché meeting 1",
        ]
        return [query["sql"] for query in queries.captured_queries if "coordination_actionitem" in query["sql"]]

    # A page is 3 rows asked (one more than its size, to tell whether another follows): a window of 3 x the table's
    # items would hold a page of a word one item holds; a window of 1 item, only of a word 3 x the table's items hold.
    wide, narrow = 3 * size, 1
    first = searched(windowed_from=size, window=wide)  # the table's size is read: it holds several windows
    assert len(first) == 4 and "COUNT(" in first[0].upper() and "COUNT(" in first[1].upper(), first
    assert "LIMIT 1)" in first[1].upper(), first[1]  # the count stops where a window would hold a page
    assert len(searched(windowed_from=size, window=wide)) == 2  # the size and the count are kept
    rare = searched(windowed_from=size, window=narrow)  # too few hold it to fill a window: ranked at once
    assert len(rare) == 2 and f"LIMIT {3 * size})" in rare[0].upper() and "CASE WHEN" in rare[1].upper(), rare
    assert len(searched(windowed_from=size, window=narrow)) == 1  # that count is kept too
    assert len(searched(windowed_from=size + 1, window=wide)) == 1  # a smaller table: every match ranked in one query
    clock[0] += search.TABLE_SECONDS + 1
    assert len(searched(windowed_from=size + 1, window=wide)) == 2  # read again, then ranked
    assert len(searched(windowed_from=size, window=wide)) == 3  # the count too, then the window and its rows


def test_a_process_keeps_the_latest_figures_of_the_table_only(api, ranked, monkeypatch):
    """The figures are kept for the `FIGURES_KEPT` keys asked most lately: a process that sees many different searches
    does not grow without bound; the counts of the words searched longest ago are let go, and the table's size, asked
    by every search, stays."""
    monkeypatch.setattr(search, "WINDOWED_FROM", 0)
    monkeypatch.setattr(search, "FIGURES_KEPT", 3)
    client = api("coordinator")
    for word in ("defense", "arranged", "attaché", "port"):
        assert client.get("/api/v1/action-items/", {"search": word}).status_code == 200
    kept = {key[0]: key for key in search._figures}.keys(), {key[2] for key in search._figures if key[0] == "holding"}
    assert kept == ({"size", "holding"}, {("attaché",), ("port",)}), search._figures


def test_a_search_cursor_whose_position_is_not_a_rank_and_an_item_id_is_refused(api, ranked):
    for position in ("2", "x.5", "2.", "-1.4", "2.99999999999999999999"):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        answer = api("coordinator").get("/api/v1/action-items/", {"search": "defense", "cursor": cursor})
        assert answer.status_code == 404, position
        assert answer.json()["detail"] == "Invalid cursor"


def test_a_search_cursor_of_a_rank_there_is_not_is_answered_from_that_place(api, ranked):
    """A rank past the best (or below the worst) is a place in the order like any other: the page after it."""
    client = api("coordinator")
    everything = [row["id"] for row in client.get("/api/v1/action-items/", {"search": "defense"}).json()["results"]]
    for position, expected in (("9.1", everything), ("0.1", [])):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        answer = client.get("/api/v1/action-items/", {"search": "defense", "cursor": cursor})
        assert answer.status_code == 200, position
        assert [row["id"] for row in answer.json()["results"]] == expected, position
