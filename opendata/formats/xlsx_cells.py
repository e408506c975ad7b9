"""The XML of spreadsheet cells, one template per column chosen once from its schema type.

A cell is its column's start (`<c r="B`), the row number, and a tail that depends on the
value alone (`"><v>324</v></c>`, `" t="inlineStr"><is><t>横浜</t></is></c>`, `"/>` when
missing), so tails are cached per column: the values of a table repeat (channels, years,
regions), and a cache hit costs less than escaping text or formatting a number again. Text
is always an inline string, never a formula, whatever it reads like ("=1+1", "#N/A").

Text is written as Excel writes it: `&`, `<` and `>` as entities; characters XML 1.0 cannot
hold (control characters, U+FFFE/U+FFFF, lone surrogates) and CR (which XML parsers turn
into LF) as `_xHHHH_`; and a text that itself reads `_xHHHH_` with its underscore escaped
(`_x005F_xHHHH_`), so that Excel and LibreOffice read every text back as it was.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from itertools import chain, repeat
from operator import getitem
from typing import Any

NUMERIC_TYPES = frozenset({"integer", "number", "year"})
CACHE_SIZE = 4096  # distinct values remembered per column: a few hundred KB at most
EMPTY = "/>"  # a missing value: an empty cell (Excel's blank), not an empty text
STYLE_DATE = 1  # cellXfs indices of opendata.formats.xlsx_book's styles
STYLE_BOLD = 2
EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 once Excel's phantom 1900-02-29 is allowed for
FIRST_SERIAL_DATE = date(1900, 1, 1)  # serial 1; earlier dates are text, as Excel has them
LEAP_BUG_END = date(1900, 3, 1)  # dates before this are one serial lower (the 1900-02-29 bug)

_ESCAPED = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def column_letter(index: int) -> str:
    """The letters of the 0-based column `index`: 0 is A, 25 Z, 26 AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """`text` as the content of a `<t>` element, escaped as Excel does."""
    return _ESCAPED.sub(_escape_one, text) if _ESCAPED.search(text) else text


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return _ENTITIES.get(char) or f"_x{ord(char):04X}_"


def text_tail(text: str, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'{styled} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _text(value: Any) -> str:
    return EMPTY if value is None else text_tail(value if isinstance(value, str) else str(value))


def _number(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value)  # a stored value the column's type does not describe stays itself
    if isinstance(value, float) and not math.isfinite(value):
        return _text(value)  # a spreadsheet number cannot be infinite or NaN
    return f"><v>{value!r}</v></c>"


def _boolean(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, str):
        return _text(value)
    return f' t="b"><v>{1 if value else 0}</v></c>'


def serial(day: date) -> int | None:
    """Excel's serial number of `day`, or None before 1900-01-01 (where Excel has no dates)."""
    if day < FIRST_SERIAL_DATE:
        return None
    days = (day - EXCEL_EPOCH).days
    return days - 1 if day < LEAP_BUG_END else days


def _date(value: Any) -> str:
    if value is None:
        return EMPTY
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
    except (TypeError, ValueError):
        return _text(value)  # not an ISO date: kept as the text it is
    number = serial(day)
    return _text(value) if number is None else f' s="{STYLE_DATE}"><v>{number}</v></c>'


def _tail_writer(kind: str) -> Callable[[Any], str]:
    if kind in NUMERIC_TYPES:
        return _number
    return {"boolean": _boolean, "date": _date}.get(kind, _text)


class _Tails(dict[Any, str]):
    """The tails of one column's values, made on first sight. Emptied when full: cheaper than
    an LRU's bookkeeping on every hit, and a column whose values do not repeat gains nothing
    from keeping them. Equal numbers share a key (1, 1.0, True): their cells read the same."""

    def __init__(self, tail: Callable[[Any], str]) -> None:
        super().__init__()
        self._tail = tail

    def __missing__(self, value: Any) -> str:
        if len(self) >= CACHE_SIZE:
            self.clear()
        made = self[value] = self._tail(value)
        return made


def row_writer(kinds: Sequence[str]) -> Callable[[int, Sequence[Any]], str]:
    """A function writing the `<row>` element of row number `n` (1-based) holding `values`.

    Each cell is three pieces, `<c r="B` + the row number + its tail (`"><v>324</v></c>`),
    joined in one call: no Python code runs per cell unless a value is new to its column."""
    starts = [f'<c r="{column_letter(i)}' for i in range(len(kinds))]
    tails = [_Tails(_quoted(_tail_writer(kind))) for kind in kinds]
    join, pieces = "".join, chain.from_iterable

    def write(n: int, values: Sequence[Any]) -> str:
        number = str(n)
        cells = join(pieces(zip(starts, repeat(number), map(getitem, tails, values), strict=False)))
        return f'<row r="{number}">{cells}</row>'

    return write


def _quoted(tail: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: '"' + tail(value)


def text_row(n: int, texts: Sequence[str], bold: int = 0) -> str:
    """A row of text cells (headers, the data dictionary, the metadata), the first `bold` of
    them bold; an empty text is a blank cell."""
    cells = "".join(
        f'<c r="{column_letter(i)}{n}"{text_tail(t, STYLE_BOLD if i < bold else 0) if t else EMPTY}'
        for i, t in enumerate(texts)
    )
    return f'<row r="{n}">{cells}</row>'
