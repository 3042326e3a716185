"""Search over items: their titles (English and Japanese), external id, description, progress updates and the names
of their attached files, in Japanese and English, ranked, within what the reader sees.

Each item keeps two normalised search columns, written by the services whenever what they hold changes: the
titles and external id (`search_title`), and everything (`search_text`). Normalising is Unicode NFKC and case
folding, so full-width and half-width forms, and upper and lower case, find each other ("ＮＳＳ" finds "nss").
A query is split on spaces; an item matches when every term occurs in its text; the rank puts an exact external
id first, then items whose titles hold every term, then the rest, each group in the list's usual order.

On PostgreSQL a trigram index (pg_trgm, GIN) on each column serves terms of three or more characters, and an index
of every two characters side by side in `search_text` (`coordination_search_bigrams`, migration 0022) serves
two-character terms, common in Japanese (防衛, 外務, 調整). A one-character term is left to a scan of the `search_text`
of the items the reader can see, which the visibility filter bounds (a department's items, an agency's items), not
the whole table. On SQLite every search is such a scan.
"""

from __future__ import annotations

import unicodedata

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, TextField, Value, When

MAX_TERMS = 8
MAX_TERM_LENGTH = 100


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


def items_search(items: QuerySet, query: str) -> QuerySet:
    """`items` holding every term of `query`, annotated with `search_rank` (higher first); all of `items` when
    the query has no terms."""
    terms = search_terms(query)
    if not terms:
        return items.annotate(search_rank=Value(0, output_field=IntegerField()))
    matches = Q()
    in_titles = Q()
    for term in terms:
        matches &= Q(search_text__contains=term)
        in_titles &= Q(search_title__contains=term)
    pairs = [term for term in terms if len(term) == 2]
    if pairs and connections[items.db].vendor == "postgresql":
        # The same condition for the two-character terms, as the bigram index holds it: the index finds the items.
        matches &= Q(search_bigrams__contains=pairs)
        items = items.alias(search_bigrams=SearchBigrams(F("search_text")))
    exact_id = Q(external_id__iexact=query.strip())
    rank = Case(When(exact_id, then=Value(3)), When(in_titles, then=Value(2)), default=Value(1))
    return items.filter(matches).annotate(search_rank=rank)
