"""The XML of spreadsheet cells, one template per column chosen once from its schema type.

A cell is its column's start (`<c r="B`), the row number, and a tail that depends on the
value alone (`"><v>324</v></c>`, `" t="s"><v>7</v></c>` for the 8th shared string, `"/>`
when missing), so tails are cached per column: the values of a table repeat (channels,
years, regions), and a cache hit costs less than escaping text or formatting a number
again. Each cached tail ends with the start of the next cell (`"><v>324</v></c><c r="C`),
so a row is its number joined between its pieces, one `str.join` a row. Every cell keeps
its reference: readxl, calamine, exceljs and others have failed on cells without one.
Text is always a string cell (shared or inline), never a formula, whatever it reads like
("=1+1", "#N/A").

Text is escaped so that every reader gets it back as it was: `&`, `<` and `>` as entities,
CR as `&#13;` (XML parsers turn a literal CR into LF; a reference survives); characters
XML 1.0 cannot hold even as references (control characters, U+FFFE/U+FFFF, lone
surrogates) as Excel writes them, `_xHHHH_`, which Excel and LibreOffice decode; and a text
that itself reads `_xHHHH_` with its underscore escaped (`_x005F_xHHHH_`), as Excel does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import count
from operator import getitem
from typing import Any

Rows = Sequence[Sequence[Any]]
NUMERIC_TYPES = frozenset({"integer", "number", "year"})
CACHE_SIZE = 4096  # distinct values remembered per column: a few hundred KB at most
SHARED_MAX_STRINGS = 50_000  # shared strings kept per workbook until it ends …
SHARED_MAX_CHARACTERS = 2_000_000  # … and their characters: a few MB at most
EMPTY = "/>"  # a missing value: an empty cell (Excel's blank), not an empty text
STYLE_DATE = 1  # cellXfs indices of opendata.formats.xlsx_book's styles
STYLE_BOLD = 2
EXCEL_EPOCH = date(1899, 12, 30)  # serial 0, counting Excel's phantom 1900-02-29 as serial 60
# Serial 61. Before it, Excel (which counts 1900-02-29) and LibreOffice (which does not) read
# the same serial as different days, so earlier dates are written as their ISO text instead.
FIRST_SERIAL_DATE = date(1900, 3, 1)

_ESCAPED = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


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
    return f'{styled} t="inlineStr"><is><t{_space(text)}>{escape(text)}</t></is></c>'


def _space(text: str) -> str:
    """Keeps leading and trailing white space, which a reader may otherwise trim."""
    return ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""


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
    """Excel's serial number of `day`, or None before 1900-03-01 (see FIRST_SERIAL_DATE)."""
    return None if day < FIRST_SERIAL_DATE else (day - EXCEL_EPOCH).days


def _date(value: Any) -> str:
    if value is None:
        return EMPTY
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
    except (TypeError, ValueError):
        return _text(value)  # not an ISO date: kept as the text it is
    number = serial(day)
    return _text(value) if number is None else f' s="{STYLE_DATE}"><v>{number}</v></c>'


class SharedStrings:
    """The workbook's table of shared strings, for the text columns of the data sheet.

    A repeated text is then written once, and each cell holds its index: a smaller sheet,
    less to compress, and the fastest cell to write. The table is kept until the workbook
    ends, so it is bounded (SHARED_MAX_STRINGS texts, SHARED_MAX_CHARACTERS in all); a text
    new once it is full is written in its cell as an inline string.
    """

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._characters = 0

    def tail(self, value: Any) -> str:
        if value is None:
            return EMPTY
        text = value if isinstance(value, str) else str(value)
        index = self._index.get(text)
        if index is None:
            if len(self._index) >= SHARED_MAX_STRINGS or self._characters + len(text) > SHARED_MAX_CHARACTERS:
                return text_tail(text)
            index = self._index[text] = len(self._index)
            self._characters += len(text)
        return f' t="s"><v>{index}</v></c>'

    def __len__(self) -> int:
        return len(self._index)

    def items(self) -> Iterator[str]:
        """The `<si>` elements, in index order."""
        for text in self._index:  # a dict keeps the order the indices were given in
            yield f"<si><t{_space(text)}>{escape(text)}</t></si>"


def _tail_writer(kind: str, shared: SharedStrings | None) -> Callable[[Any], str]:
    if kind in NUMERIC_TYPES:
        return _number
    if kind in ("boolean", "date"):
        return _boolean if kind == "boolean" else _date
    return shared.tail if shared is not None else _text


def is_text(kind: str) -> bool:
    """Written as text cells, in the shared strings when there are some."""
    return kind not in NUMERIC_TYPES and kind not in ("boolean", "date")


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


def rows_writer(kinds: Sequence[str], shared: SharedStrings | None = None) -> Callable[[int, Rows], str]:
    """A function writing the `<row>` elements of `records`, numbered from `first` (1-based).

    A row is its number joined between the row's opening and each column's cached tail (which
    ends with the next cell's start): one call a row, no Python code per cell unless a value is
    new to its column. Text goes into `shared` when given, else inline."""
    tails, opening = column_tails(kinds, shared)
    join = "".join

    def write(first: int, records: Rows) -> str:
        numbered = zip(count(first), records)
        return join([str(n).join((*opening, *map(getitem, tails, values))) for n, values in numbered])

    return write


def column_tails(kinds: Sequence[str], shared: SharedStrings | None) -> tuple[list[_Tails], tuple[str, str]]:
    """Each column's cached tails (ending with the next cell's start, or the row's end), and
    the row's opening: a row is its number joined between the opening and its tails."""
    letters = [column_letter(i) for i in range(len(kinds))]
    ends = [f'<c r="{letter}' for letter in letters[1:]] + ["</row>"]
    tails = [_Tails(_between(_tail_writer(kind, shared), end)) for kind, end in zip(kinds, ends, strict=True)]
    opening = ('<row r="', f'"><c r="{letters[0]}') if kinds else ('<row r="', '"></row>')
    return tails, opening


def _between(tail: Callable[[Any], str], end: str) -> Callable[[Any], str]:
    """The tail of a value after its cell's `r="B7` (closing that quote), then `end`."""
    return lambda value: '"' + tail(value) + end


def text_row(n: int, texts: Sequence[str], bold: int = 0) -> str:
    """A row of text cells (headers, the data dictionary, the metadata), the first `bold` of
    them bold; an empty text is a blank cell."""
    cells = "".join(
        f'<c r="{column_letter(i)}{n}"{text_tail(t, STYLE_BOLD if i < bold else 0) if t else EMPTY}'
        for i, t in enumerate(texts)
    )
    return f'<row r="{n}">{cells}</row>'
