"""Random sheets (seeded) never make the checker or the importer fail other than with a Problem."""

from __future__ import annotations

import datetime
import random

import pytest

from opendata import errors
from opendata.check import check_bytes
from opendata.importer import draft
from tests.check import workbooks as wb

CELLS = [
    None,
    None,
    "",
    "横浜市",
    "横浜",
    "合計",
    "計",
    "〃",
    "－",
    "…",
    "x",
    "***",
    "1,234",
    "１２",
    "12(3)",
    "その他（A）",
    "令和2年度",
    "平成30年度",
    "28年度",
    "2020年度",
    2020,
    0,
    1,
    2.5,
    -3,
    "※1 注",
    "単位：人",
    "（単位：件）",
    "電話①",
    "ｶﾅ",
    " 前後 ",
    "a\nb",
    datetime.datetime(2021, 1, 2),
    True,
    "男",
    "女",
    "区分",
]


@pytest.mark.parametrize("seed", range(40))
def test_random_sheets_give_a_report_or_a_problem(seed):
    rnd = random.Random(seed)
    rows = [[rnd.choice(CELLS) for _ in range(rnd.randint(1, 7))] for _ in range(rnd.randint(1, 12))]

    def edit(sheet) -> None:
        if rnd.random() < 0.4 and sheet.max_row >= 2 and sheet.max_column >= 2:
            sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=2)
        if rnd.random() < 0.3:
            sheet.row_dimensions[2].hidden = True

    book = wb.xlsx(rows, edit)
    for name, data in (("f.xlsx", book), ("f.csv", wb.text(rows))):
        try:
            assert len(check_bytes(data, name, wb.LIMITS).to_dict("en")["rules"]) == 30
        except errors.Problem as problem:
            assert 400 <= problem.status < 500
    for long in (None, True, False):
        try:
            draft(book, "f.xlsx", None, "random", long, wb.LIMITS)
        except errors.Problem as problem:
            assert 400 <= problem.status < 500
