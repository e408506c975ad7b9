"""Write a draft data package all at once: into a temporary folder, then one rename.

An interrupted import (Ctrl-C, a full disk) leaves no half-written package behind: the
temporary folder sits beside the target and is removed on any failure.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from opendata import errors
from opendata.atomic import sync_directory, write_atomically
from opendata.importer.tidy import Tidy

V2 = "https://datapackage.org/profiles/2.0/"

# English for the fields the importer itself makes; printed headings keep only their Japanese.
ENGLISH: dict[str, tuple[str, str]] = {
    "fiscal_year": (
        "Fiscal year",
        "Japanese fiscal year (April to March), named by the Western year it starts in.",
    ),
    "fiscal_year_label": ("Fiscal year as printed", "The period label exactly as the sheet prints it."),
    "year": ("Year", "Calendar year."),
    "year_label": ("Year as printed", "The period label exactly as the sheet prints it."),
    "period_start": ("Period start", "First day the figure covers."),
    "period_end": ("Period end", "Last day the figure covers (an as-of date for a year in progress)."),
    "is_partial": ("Partial period", "True when the figure covers less than the whole (fiscal) year."),
    "sex": ("Sex", "The column heading the figure stood under."),
    "channel": ("Channel", "The column heading the figure stood under."),
    "item": ("Item", "The column heading the figure stood under."),
    "group": ("Group", "The group named by a heading row without figures above the row."),
    "value": ("Value", "The figure; symbols are missing values whose meaning missingValues gives."),
    "note": ("Note", "Footnote marks that stood by the figure or its heading, with the note's text."),
}


def schema_of(tidy: Tidy) -> dict[str, Any]:
    fields = []
    for f in tidy.fields:
        item: dict[str, Any] = {"name": f.name, "type": f.type, "title": f.title}
        if f.name in ENGLISH:
            item["titleEnglish"] = ENGLISH[f.name][0]
        if f.description:
            item["description"] = f.description
        if f.name in ENGLISH:
            item["descriptionEnglish"] = ENGLISH[f.name][1]
        if f.unit:
            item["unit"] = f.unit
        fields.append(item)
    return {
        "$schema": f"{V2}tableschema.json",
        "fields": fields,
        "missingValues": [{"value": k, "label": v} for k, v in tidy.missing.items()],
    }


def descriptor_of(
    name: str, title: str, source: str, sheet: str, tidy: Tidy, notes: list[str]
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "$schema": f"{V2}dataresource.json",
        "name": name,
        "type": "table",
        "path": f"data/{name}.csv",
        "title": title,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema_of(tidy),
        "sources": [{"title": source, "section": sheet}],
    }
    if tidy.checks:
        resource["reportChecks"] = tidy.checks
    descriptor: dict[str, Any] = {
        "$schema": f"{V2}datapackage.json",
        "name": name,
        "title": title,
        "description": "。".join([f"{source}（シート「{sheet}」）から取り込んだ下書き", *notes]),
        "version": "0.1.0",
        "sources": [{"title": source}],
        "resources": [resource],
    }
    return descriptor


def write_package(target: Path, descriptor: dict[str, Any], tidy: Tidy, schemas_dir: Path | None) -> None:
    if target.exists():
        raise errors.InvalidParameter(
            f"{target} already exists; choose another --name or --out", parameter="name"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (temp / "data").mkdir()
        name = descriptor["name"]
        with (temp / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([f.name for f in tidy.fields])
            writer.writerows(tidy.rows)
        (temp / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if schemas_dir is not None:
            _write_schema(schemas_dir / name / f"{name}.json", descriptor["resources"][0]["schema"])
        os.replace(temp, target)  # a folder: one rename makes the whole package appear at once
        sync_directory(target.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _write_schema(path: Path, schema: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
