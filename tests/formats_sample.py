"""A test-only package (labelled as such, not report data) with every type the formats write:
integers, numbers, booleans, dates, missing values and text a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

from tests.crafted import write_package

NAME = "test-sample-formats"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "region", "type": "string", "title": "地域"},
    {"name": "channel", "type": "string", "title": "相談方法"},
    {"name": "fiscal_year", "type": "integer", "title": "年度"},
    {"name": "consultations", "type": "integer", "title": "相談件数", "unit": "件"},
    {"name": "rate", "type": "number", "title": "割合"},
    {"name": "is_partial", "type": "boolean", "title": "途中集計"},
    {"name": "as_of", "type": "date", "title": "時点"},
    {"name": "note", "type": "string", "title": "備考", "description": "テスト用の備考"},
]
NOTES = ["=1+1", "#N/A", "-5", "+81", "普通の値", "@cmd", "", 'comma, "quote"']
ROWS = 240


def rows() -> list[list[Any]]:
    chance = random.Random(10)
    out = []
    for i in range(1, ROWS + 1):
        missing = i % 17 == 0
        out.append(
            [
                i,
                chance.choice(["横浜", "川崎", "相模原", "湘南"]),
                chance.choice(["電話", "来所", "SNS"]),
                chance.choice([2020, 2021, 2022]),
                "" if missing else chance.randint(0, 500),
                "" if i % 13 == 0 else round(chance.random() * 100, 2),
                "" if i % 19 == 0 else chance.choice(["true", "false"]),
                "" if missing else date(2021, 1 + i % 12, 1 + i % 28).isoformat(),
                NOTES[i % len(NOTES)],
            ]
        )
    return out


def write(root: Path) -> Path:
    directory = write_package(root, NAME, FIELDS, rows(), ["id"])
    descriptor_path = directory / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    descriptor.update(
        {
            "title": "テスト用サンプル（報告書のデータではありません）",
            "titleEnglish": "Test sample (not report data)",
            "attribution": "テスト用",
            "sources": [{"title": "テスト", "section": "1(1)", "page": 3}],
        }
    )
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return directory


def typed(text: str) -> list[dict[str, Any]]:
    """A CSV answer's rows, each cell typed by the schema (empty is None): the reference values."""
    kinds = {f["name"]: f["type"] for f in FIELDS}
    out = []
    for record in csv.DictReader(io.StringIO(text)):
        out.append({k: convert(kinds.get(k, "number"), v) for k, v in record.items()})
    return out


def convert(kind: str, value: str) -> Any:
    if value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value == "true"
    if kind == "date":
        return date.fromisoformat(value)
    return value


def reference_rows() -> list[dict[str, Any]]:
    """The sample's rows typed, straight from the rows written (not through the service)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f["name"] for f in FIELDS])
    writer.writerows(rows())
    return typed(buffer.getvalue())
