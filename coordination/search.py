"""Search over items: their titles (English and Japanese), external id, description, progress updates and the names
of their attached files, in Japanese and English, ranked, within what the reader sees.

Each item keeps two normalised search columns, written by the services whenever what they hold changes: the
titles and external id (`search_title`), and everything (`search_text`). Normalising is Unicode NFKC and case
folding, so full-width and half-width forms, and upper and lower case, find each other ("ＮＳＳ" finds "nss").
A query is split on spaces; an item matches when every term occurs in its text; the rank puts an exact external
id first, then items whose titles hold every term, then the rest, each rank in id order.

On PostgreSQL a trigram index (pg_trgm, GIN) on each column serves terms of three or more characters, and an index
of every two characters side by side in `search_text` (`coordination_search_bigrams`, migration 0022) serves
two-character terms, common in Japanese (防衛, 外務, 調整). A one-character term is left to a scan of the `search_text`
of the items the reader can see, which the visibility filter bounds (a department's items, an agency's items), not
the whole table. On SQLite every search is such a scan.

A page of ranked results (`ranked_page`) need not rank every match: in a table of many windows, when the next
`WINDOW` items by id hold a page of the rank it is in (a word many items hold), the page is read from them, so a word
half the items hold costs no more than a rare one; otherwise every match is ranked, which the indexes keep cheap for a
word few items hold and the table's size keeps cheap in a smaller table. A count that stops where a window would hold
a page tells a rarer word first, so that its page does not look in a window it would not fill. A process keeps the
table's size and each query's count for a while: they change slowly, and only choose between two ways to one page.
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections.abc import Callable

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
# The ranks, best first: the exact external id, every term in the titles, every term somewhere.
EXACT, IN_TITLES, ANYWHERE = 3, 2, 1
# How many items (by id, whoever sees them) a page looks through for a rank's matches before it ranks every match;
# from what size of table it does (below it, ranking every match costs no more than the window); how long a process
# keeps a figure of the table it read (its size, how many items hold a query), and how many such figures.
WINDOW = 3000
WINDOWED_FROM = 30000
TABLE_SECONDS = 300
FIGURES_KEPT = 1000


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def search_terms(query: str) -> list[str]:
    """The distinct terms of a query, normalised, at most `MAX_TERMS` of at most `MAX_TERM_LENGTH` characters."""
    terms = []
    for term in normalise(query).split():
        term = term[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def search_document(item) -> tuple[str, str]:
    """(search_title, search_text) of an item as it is now, with its progress updates and attachments' names."""
    title = "\n".join(part for part in (item.title, item.title_ja, item.external_id) if part)
    parts = [title, item.description]
    if item.pk:
        parts += _held_texts(item)
    return normalise(title), normalise("\n".join(part for part in parts if part))


def _held_texts(item) -> list[str]:
    """The texts of the item's progress updates, then its attachments' names, each newest first: one query."""
    updates = item.updates.annotate(part=Value(0)).values_list("part", "text", "created_at", "id")
    files = item.attachments.annotate(part=Value(1)).values_list("part", "filename", "created_at", "id")
    rows = updates.order_by().union(files.order_by(), all=True).order_by("part", "-created_at", "-id")
    return [text for _part, text, _created_at, _id in rows]


class SearchBigrams(Func):
    """Every two characters side by side in a text (no spaces): the expression PostgreSQL's bigram index holds."""

    function = "coordination_search_bigrams"
    output_field = ArrayField(TextField())


def search_ranks(query: str) -> list[tuple[int, Q]]:
    """Each rank, best first, with what puts a matching item in it (and in no other)."""
    exact = Q(external_id__iexact=query.strip())
    in_titles = Q()
    for term in search_terms(query):
        in_titles &= Q(search_title__contains=term)
    return [(EXACT, exact), (IN_TITLES, ~exact & in_titles), (ANYWHERE, ~exact & ~in_titles)]


def items_search(items: QuerySet, query: str) -> QuerySet:
    """`items` holding every term of `query`, annotated with `search_rank` (higher first); all of `items` when
    the query has no terms."""
    terms = search_terms(query)
    if not terms:
        return items.annotate(search_rank=Value(0, output_field=IntegerField()))
    rank = Case(*(When(condition, then=Value(rank)) for rank, condition in search_ranks(query)[:-1]), default=ANYWHERE)
    return _holding(items, terms).annotate(search_rank=rank)


def _holding(items: QuerySet, terms: list[str]) -> QuerySet:
    """`items` whose text holds every one of `terms`."""
    matches = Q()
    for term in terms:
        matches &= Q(search_text__contains=term)
    pairs = [term for term in terms if len(term) == 2]
    if pairs and connections[items.db].vendor == "postgresql":
        # The same condition for the two-character terms, as the bigram index holds it: the index finds the items.
        matches &= Q(search_bigrams__contains=pairs)
        items = items.alias(search_bigrams=SearchBigrams(F("search_text")))
    return items.filter(matches)


def ranked_page(
    items: QuerySet,
    rows: Callable[[QuerySet], QuerySet],
    query: str,
    *,
    after: tuple[int, int] | None,
    backwards: bool,
    limit: int,
    matches: QuerySet | None = None,
) -> list:
    """Up to `limit` of the `items` that hold `query`, as `rows` shows items, by rank (best first), then id, beginning
    after the match of rank and id `after`; `backwards`, the other way (worst rank first, then id descending).

    In a table of at least `WINDOWED_FROM` items, when enough items (whoever sees them) hold the query to fill a page
    of a window, the page lies within one rank and the next `WINDOW` items by id hold enough of that rank's matches,
    it is read from them: one question for the ids, which also asks whether an item's external id is the query (that
    item would come first), then the page's rows by id, without the search's conditions (the bigram index's function,
    costly to work out item by item, is not asked again of them). Otherwise (a smaller table, a rarer word) every
    match past `after` is ranked in one query, as a plain search does; the indexes keep that cheap for a rare word.
    `matches` are `items_search(items, query)` when the caller has built them already (building them again took a
    fifth of a millisecond)."""
    matches = items_search(items, query) if matches is None else matches
    ranks = dict(search_ranks(query))
    rank, beyond = after if after is not None else (ANYWHERE if backwards else IN_TITLES, None)
    if (
        rank in (IN_TITLES, ANYWHERE)
        and _table_size(items) >= WINDOWED_FROM
        and _window_would_fill(items, query, limit)
    ):
        # On the first page, any item whose external id is the query, whoever sees it (a short question for its
        # index), sends the page to the ranked query, which puts it first where the reader sees it.
        first = after is None and not backwards
        exact = Exists(items.model._base_manager.filter(ranks[EXACT]).order_by()) if first else Value(False)
        window = _window(matches.filter(ranks[rank]), beyond=beyond, backwards=backwards).annotate(exact_first=exact)
        found = list(window.values_list("id", "exact_first")[:limit])
        if len(found) == limit and not found[0][1]:
            ids = [item_id for item_id, _exact in found]
            page = rows(items.filter(id__in=ids)).annotate(search_rank=Value(rank, output_field=IntegerField()))
            return list(page.order_by("-id" if backwards else "id"))
    if after is not None:
        next_rank, next_id = ("gt", "lt") if backwards else ("lt", "gt")
        matches = matches.filter(
            Q(**{f"search_rank__{next_rank}": rank}) | Q(search_rank=rank, **{f"id__{next_id}": beyond})
        )
    page = rows(matches).order_by(*(("search_rank", "-id") if backwards else ("-search_rank", "id")))
    return list(page[:limit])


def _window(items: QuerySet, *, beyond: int | None, backwards: bool) -> QuerySet:
    """`items` past `beyond` (by id, descending when `backwards`) within the next `WINDOW` items by id, whoever sees
    them (all that remain when fewer do), in that order."""
    every = items.model._base_manager.order_by("-id" if backwards else "id")
    if beyond is not None:
        past = {f"id__{'lt' if backwards else 'gt'}": beyond}
        every, items = every.filter(**past), items.filter(**past)
    edge = Subquery(every.values("id")[WINDOW : WINDOW + 1])
    if backwards:
        return items.filter(id__gt=Coalesce(edge, Value(0), output_field=BigIntegerField())).order_by("-id")
    return items.filter(id__lt=Coalesce(edge, Value(2**63 - 1), output_field=BigIntegerField())).order_by("id")


def _window_would_fill(items: QuerySet, query: str, limit: int) -> bool:
    """Whether enough items, whoever sees them, hold the query for the next `WINDOW` items by id to hold `limit` of
    them, were they spread evenly: a count that stops there. Fewer would seldom fill a window's page, and are ranked in
    full as cheaply as a window is read."""
    terms = search_terms(query)
    enough = math.ceil(_table_size(items) * limit / WINDOW)

    def count() -> int:  # built only when the figure is read, not on every page that finds it kept
        holding = _holding(items.model._base_manager.using(items.db), terms).order_by().values("id")
        return holding[:enough].count()

    return _kept(("holding", items.db, tuple(sorted(terms)), enough), count) >= enough


def _table_size(items: QuerySet) -> int:
    """How many items the table holds, whoever sees them."""
    return _kept(("size", items.db), lambda: items.model._base_manager.using(items.db).order_by().count())


_figures: dict[tuple, tuple[float, int]] = {}


def _kept(key: tuple, read: Callable[[], int]) -> int:
    """A figure of the table, read by `read` at most every `TABLE_SECONDS` in a process, for the `FIGURES_KEPT` keys
    asked most lately: a figure a little out of date only chooses between two ways to the same page."""
    now = time.monotonic()
    read_at, figure = _figures.pop(key, (None, 0))
    if read_at is None or now - read_at > TABLE_SECONDS:
        read_at, figure = now, read()
    _figures[key] = (read_at, figure)  # last in the order: the least lately asked is let go first
    while len(_figures) > FIGURES_KEPT:
        del _figures[next(iter(_figures))]
    return figure
