"""On PostgreSQL, an index of every two characters side by side in each item's search text, for the two-character
search terms the trigram index cannot serve (two kanji make a word in Japanese: 調整, 防衛). The pieces are worked out
by the database (`coordination_search_bigrams`, an index expression), so nothing is stored twice in the rows.
SQLite keeps scanning, as it does for every search."""

from django.db import migrations

FUNCTION = "coordination_search_bigrams"
INDEX = "action_item_search_text_bigrams"

# Every two characters side by side: the pairs starting at the odd positions, then those at the even positions,
# each found by a regular expression taking two characters at a time (a position-by-position substr would be
# quadratic on multibyte text). Pairs across a space are kept too: no search term holds a space, so they cost only
# room in the index.
CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ARRAY(
    SELECT pair[1] FROM regexp_matches($1, '(..)', 'g') AS pair
    UNION ALL
    SELECT pair[1] FROM regexp_matches(substr($1, 2), '(..)', 'g') AS pair
) $$
"""


def create_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CREATE_FUNCTION)
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON coordination_actionitem USING gin ({FUNCTION}(search_text))")
        # No statistics of the expression: ANALYZE would work out the pieces of every sampled row (tens of seconds
        # at 100,000 items) for an estimate the planner does not need to choose this index for a rare pair.
        cursor.execute(f"ALTER INDEX {INDEX} ALTER COLUMN 1 SET STATISTICS 0")


def drop_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("coordination", "0021_department_figures_index"),
    ]

    operations = [
        migrations.RunPython(create_bigram_index, drop_bigram_index),
    ]
