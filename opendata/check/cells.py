"""How a cell's text reads as a figure: plain numbers, dirty numbers, missing-value symbols.

Shared by the rules (is this column numeric? is this number typed as text?) and by the
importer (turn `1,234人※1` into 1234, unit 人, note 1), so both read a cell the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

# Symbols Japanese statistical tables print instead of a figure, with their usual meaning.
MISSING_SYMBOLS: dict[str, tuple[str, str]] = {
    "－": ("該当数値なし", "none (no case)"),
    "-": ("該当数値なし", "none (no case)"),
    "―": ("該当数値なし", "none (no case)"),
    "—": ("該当数値なし", "none (no case)"),
    "‐": ("該当数値なし", "none (no case)"),
    "…": ("不詳・データなし", "not available"),
    "...": ("不詳・データなし", "not available"),
    "・・・": ("不詳・データなし", "not available"),
    "x": ("秘匿", "suppressed (confidential)"),
    "X": ("秘匿", "suppressed (confidential)"),
    "ｘ": ("秘匿", "suppressed (confidential)"),
    "χ": ("秘匿", "suppressed (confidential)"),
    "*": ("秘匿", "suppressed"),
    "***": ("秘匿", "suppressed"),
    "＊＊＊": ("秘匿", "suppressed"),
    "△": ("該当なし・減少", "not applicable"),
    "nd": ("データなし", "no data"),
    "n.d.": ("データなし", "no data"),
    "NA": ("データなし", "not available"),
    "#N/A": ("データなし", "not available"),
    "／": ("調査対象外", "not surveyed"),
    "/": ("調査対象外", "not surveyed"),
}
# A unit printed beside a table: 単位：人, （単位：件）, or just (件) on its own line.
UNIT_NOTE = re.compile(r"単位\s*[:：]\s*(?P<unit>[^）)\s]+)|^[（(](?P<alone>[^（）()\s:：]{1,6})[）)]$")
SAME_AS_ABOVE = {"〃", "同上", "″", "々", "同左", "〃〃"}
UNIT_WORDS = (
    "千人|万人|人|件|円|千円|万円|百万円|億円|%|％|か所|箇所|ヶ所|ケ所|所|回|世帯|団体|校|施設|人日|時間|日|"
    "か月|ヶ月|年|歳|台|戸|床|ha|km|m2|㎡|t|kg|本|冊|頭|機関|事業所|市町村|件数|名|社|店|人分|票"
)
FOOTNOTE = r"(?:※\s*\d*|\*\d+|注\d+|\(注\d*\)|（注\d*）|[a-z]\)|[¹²³⁴⁵⁶⁷⁸⁹])"
_DIRTY = re.compile(
    rf"^\s*(?P<neg>[▲△-]|－)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>{UNIT_WORDS})?\s*(?P<mark>{FOOTNOTE})?\s*$"
)
_PLAIN = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$")  # ASCII only: １２ is text


@dataclass(frozen=True)
class Figure:
    """A number read out of printed text, with what was stripped to get it."""

    value: int | float
    unit: str | None
    mark: str | None  # footnote marker, e.g. ※1
    cleaned: bool  # True when the text needed more than a plain number parse


def is_number(value: Any) -> bool:
    """A true number: an Excel numeric cell, or CSV text that is a plain half-width number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_PLAIN.match(value.strip()))


def as_number(value: Any) -> int | float | None:
    if not is_number(value):
        return None
    if isinstance(value, int | float):
        return value
    text = value.strip()
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def read_figure(value: Any) -> Figure | None:
    """A figure from a cell that may be dirty: 1,234人, ５※1, ▲12. None when it is no figure."""
    plain = as_number(value)
    if plain is not None:
        return Figure(plain, None, None, False)
    if not isinstance(value, str):
        return None
    return _text_figure(value)


@lru_cache(maxsize=65536)  # tables repeat the same texts; the regex work is the check's hot spot
def _text_figure(value: str) -> Figure | None:
    folded = unicodedata.normalize("NFKC", value).replace("，", ",")
    match = _DIRTY.match(folded)
    if not match or (match.group("num").count(",") and not _commas_ok(match.group("num"))):
        return None
    text = match.group("num").replace(",", "")
    number: int | float = float(text) if "." in text else int(text)
    if match.group("neg"):
        number = -number
    return Figure(number, match.group("unit"), match.group("mark"), True)


def _commas_ok(digits: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits))


def missing_symbol(value: Any) -> str | None:
    """The symbol itself when the cell holds one of the usual missing-value marks."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if text in MISSING_SYMBOLS else None


def is_date(value: Any) -> bool:
    return isinstance(value, date | datetime)
