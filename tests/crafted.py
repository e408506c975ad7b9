"""Small data packages written by tests, for cases the shipped data does not contain."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from opendata.catalog.models import file_digest


def write_package(
    root: Path,
    name: str,
    fields: list[dict[str, Any]],
    rows: list[list[Any]],
    primary_key: list[str] | None = None,
    lineterminator: str = "\n",
) -> Path:
    """A package of one resource; with CR in a cell, pass lineterminator="\r\n" so it is quoted."""
    directory = root / name
    (directory / "data").mkdir(parents=True)
    data = directory / "data" / f"{name}.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=lineterminator)
        writer.writerow([f["name"] for f in fields])
        writer.writerows(rows)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = primary_key
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": name,
        "id": f"00000000-0000-4000-8000-{abs(hash(name)) % 10**12:012d}",
        "title": name,
        "version": "1.0.0",
        "created": "2026-01-01T00:00:00Z",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {
                "name": name,
                "path": f"data/{name}.csv",
                "format": "csv",
                "encoding": "utf-8",
                "type": "table",
                "schema": schema,
                "bytes": data.stat().st_size,
                "hash": f"sha256:{file_digest(data)}",
            }
        ],
    }
    (directory / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return directory


TRICKY_FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "label", "type": "string", "title": "ラベル"},
    {"name": "amount", "type": "number", "title": "金額"},
]
# Cells a spreadsheet would run as formulas, commas, quotes and newlines, and a negative number.
TRICKY_ROWS = [
    [1, "=SUM(A1:A2)", -5],
    [2, "+81-3-1234", 1.5],
    [3, "-minus", 2],
    [4, "@cmd", 3],
    [5, "\ttab", 4],
    [6, 'comma, "quote"\nnewline', 5],
    [7, "普通の値", 6],
]


def write_not_cp932_package(root: Path) -> Path:
    """A package whose row 3 holds 𠮷 (U+20BB7), which CP932 cannot; 髙 (an IBM extension) it can."""
    fields = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]
    return write_package(root, "not-cp932", fields, [[1, "髙橋"], [2, "𠮷野家"]], ["id"])


# A statistics-like table with a field of every type the query parser treats differently
# (test data, not from the report): the bad-input, cursor and OpenAPI tests use it, so they
# do not depend on the shipped packages' fields.
SAMPLE_FIELDS = [
    {"name": "id", "type": "integer", "title": "番号", "constraints": {"required": True}},
    {"name": "fiscal_year", "type": "integer", "title": "年度"},
    {"name": "page", "type": "integer", "title": "ページ"},
    {"name": "indicator", "type": "string", "title": "指標"},
    {"name": "value", "type": "number", "title": "値"},
    {"name": "as_of_date", "type": "date", "title": "時点"},
    {
        "name": "figure_type",
        "type": "string",
        "title": "種別",
        "constraints": {"enum": ["actual", "approximate", "planned", "target"]},
    },
    {"name": "is_partial", "type": "boolean", "title": "部分"},
]
SAMPLE_ROWS = [
    [i, 2016 + i % 5, 1 + i % 20, f"指標 {i}", [12, 3.5, "", -7][i % 4], [f"{2017 + i % 5}-03-31", ""][i % 2],
     ["actual", "approximate", "planned", "target"][i % 4], ["true", "false", ""][i % 3]]
    for i in range(1, 31)
]  # fmt: skip
# Every as-of date is the last day of its row's fiscal year, so the package passes validation.


def write_sample_package(root: Path) -> Path:
    return write_package(root, "sample", SAMPLE_FIELDS, SAMPLE_ROWS, ["id"])


def write_referring_package(root: Path) -> Path:
    """Test data: `consultations` refers to `services` by id through a foreign key and has no
    name column of its own; descriptions are Japanese only, English only, or both."""
    services = [{"name": "service_id", "type": "string", "title": "窓口ID"}]
    services += [
        {"name": "service_name", "type": "string", "title": "窓口名"},
        {"name": "service_name_english", "type": "string", "title": "窓口名（英語）"},
    ]
    consultations = [
        {"name": "service_id", "type": "string", "title": "窓口ID", "description": "窓口の識別子。"},
        {"name": "fiscal_year", "type": "integer", "title": "年度", "descriptionEnglish": "Fiscal year."},
        {
            "name": "consultations",
            "type": "integer",
            "title": "相談件数",
            "unit": "件",
            "description": "相談の件数。",
            "descriptionEnglish": "Number of consultations.",
        },
    ]
    directory = write_package(
        root,
        "referring",
        consultations,
        [["tel", 2020, 10], ["tel", 2021, 12], ["web", 2020, 3], ["web", 2021, 5]],
        ["service_id", "fiscal_year"],
    )
    services_csv = directory / "data" / "services.csv"
    with services_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f["name"] for f in services])
        writer.writerows([["tel", "電話相談窓口", "Telephone line"], ["web", "ウェブ相談窓口", "Web line"]])
    descriptor = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["description"] = "試験用の相談件数。"
    descriptor["descriptionEnglish"] = "Consultations, as test data."
    consultations_resource = descriptor["resources"][0]
    consultations_resource["description"] = "窓口別・年度別の相談件数（試験用）。"
    consultations_resource["schema"]["foreignKeys"] = [
        {"fields": ["service_id"], "reference": {"resource": "services", "fields": ["service_id"]}}
    ]
    descriptor["resources"].append(
        {
            "name": "services",
            "path": "data/services.csv",
            "format": "csv",
            "encoding": "utf-8",
            "type": "table",
            "profile": "tabular-data-resource",
            "descriptionEnglish": "The lines, as test data.",
            "schema": {"fields": services, "primaryKey": ["service_id"], "missingValues": [""]},
            "bytes": services_csv.stat().st_size,
            "hash": f"sha256:{file_digest(services_csv)}",
        }
    )
    (directory / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return directory
