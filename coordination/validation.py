"""What people may type: the checks every model field, form and API field shares.

- Dates a person gives fall between 2000-01-01 and 2100-12-31: anything else is a typing mistake (a due date in
  year 1 or 9999), and the calendar's arithmetic stays far from the limits of Python's dates.
- One-line text (titles, names, codes) holds no control characters, line breaks or bidirectional overrides:
  such text ends up in email headers, file names and list cells, where it would split or disguise them.
- Multi-line text (descriptions, notes, reasons) may hold line breaks and tabs, nothing else of the kind, and
  has a length limit.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

# Lengths of multi-line fields (characters).
LONG_TEXT = 20_000  # descriptions and meeting notes
TEXT = 10_000  # progress updates, reasons, comments

# Characters that reorder how text is displayed (bidirectional embeddings, overrides and isolates).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85")


def sane_date(value: datetime.date | None) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


def _bad_characters(value: str, allowed: frozenset[str]) -> list[str]:
    bad = []
    for character in value:
        if character in allowed:
            continue
        if character in BIDI_CONTROLS or character in LINE_BREAKS or unicodedata.category(character) == "Cc":
            bad.append(f"U+{ord(character):04X}")
    return sorted(set(bad))


def single_line(value: str) -> None:
    bad = _bad_characters(value or "", frozenset())
    if bad:
        raise ValidationError(
            _(
                "Use one line of plain text: control characters, line breaks and direction overrides "
                "(%(found)s) are not allowed."
            ),
            code="control_characters",
            params={"found": ", ".join(bad[:5])},
        )


def multi_line(value: str) -> None:
    bad = _bad_characters(value or "", frozenset("\n\r\t"))
    if bad:
        raise ValidationError(
            _("Control characters and direction overrides (%(found)s) are not allowed."),
            code="control_characters",
            params={"found": ", ".join(bad[:5])},
        )


def text_validators(limit: int) -> list:
    """For a model TextField: line breaks allowed, control characters not, and a length limit (a TextField's
    max_length alone limits only the form widget)."""
    return [multi_line, MaxLengthValidator(limit)]
