"""Test data for the storage contract (not from the report): one table whose values are the
cases where two databases most easily disagree, so every backend must answer them alike.

Nulls in every optional field (sorts put them first ascending, last descending); numbers
mixing integers and reals (7 stays 7, 85.0 stays 85.0) and reals no database writes as
orjson does (1e16, 1e-05, -0.0); text whose byte order differs from a locale's (a, B, b,
kana, kanji, a character outside the BMP, a 2,100-byte note), with quotes, commas, line breaks, control
characters and cells Excel would run as formulas; text that reads as numbers ("0123", "123");
dates; booleans; many repeated values, so every sort needs its row-position tie-break.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.crafted import write_package

NAME = "contract"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号", "constraints": {"required": True}},
    {"name": "grp", "type": "string", "title": "区分"},
    {"name": "amount", "type": "number", "title": "金額"},
    {"name": "ratio", "type": "number", "title": "比率"},
    {"name": "fiscal_year", "type": "integer", "title": "年度"},
    {"name": "day", "type": "date", "title": "日付"},
    {"name": "flag", "type": "boolean", "title": "フラグ"},
    {"name": "note", "type": "string", "title": "備考"},
    {"name": "share_%", "type": "integer", "title": "割合"},  # % is psycopg's placeholder sign
    {"name": "j", "type": "string", "title": "j"},  # the name of an alias in PostgreSQL's JSON
    {"name": "code", "type": "string", "title": "コード"},  # text that reads as numbers
]
GROUPS = ["a", "B", "b", "", "ア", "あ", "日本", 'say "hi"', "x,y", "two\nlines", "Z", ""]
AMOUNTS = ["7", "85.0", "1.5", "-2", "0.1", "", "1234567.891", "3", "85.0", "-0.25", "100", "2.50"]
RATIOS = ["0.5", "1e16", "", "1e-05", "-0.0", "2.5", "0.125", "", "3.0", "-1.75", "12.0"]
CODES = ["0123", "123", "007", "7", "", "1e3"]  # "0123" and "123" are two values, neither 123
DAYS = ["2021-04-01", "", "2020-12-31", "2022-03-10", "2019-01-15", "2021-04-01", ""]
FLAGS = ["true", "false", "", "true", "false"]
# The last note is longer than a PostgreSQL B-tree entry may be (it is left unindexed there).
NOTES = [
    "plain",
    "=SUM(A1:A2)",
    "+81-3",
    "-minus",
    "@cmd",
    " =1+1",
    "tab\there",
    "普通",
    "𠮷野家",
    "ok",
    "a long note " * 175,  # 2,100 bytes
]
ROWS = 240


def rows() -> list[list[Any]]:
    out = []
    for i in range(1, ROWS + 1):
        year = "" if i % 9 == 0 else str(2018 + i % 5)
        out.append(
            [
                i,
                GROUPS[i % len(GROUPS)],
                AMOUNTS[(i * 7) % len(AMOUNTS)],
                RATIOS[i % len(RATIOS)],
                year,
                DAYS[i % len(DAYS)],
                FLAGS[i % len(FLAGS)],
                NOTES[(i * 3) % len(NOTES)],
                "" if i % 13 == 0 else str(i % 7),
                "jk"[i % 2],
                CODES[i % len(CODES)],
            ]
        )
    return out


def write_contract_package(root: Path, changed: bool = False) -> Path:
    """The package; `changed` gives a later version (rows edited, removed and added) to diff."""
    data = rows()
    if changed:
        data = [r for r in data if r[0] % 50 != 0]  # removed
        for r in data[::17]:
            r[2], r[6] = "99.5", "false"  # changed
        data += [
            [ROWS + i, "new", str(i), "", "2023", "", "true", "added", "1", "j", "123"] for i in range(1, 4)
        ]
    return write_package(root, NAME, FIELDS, data, ["id"], lineterminator="\r\n")
