"""Check a data package: every resource's CSV with its Table Schema, plus the rules only
metadata can satisfy (L3-02 code lists, L3-08 definitions, history, names and encoding)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from opendata import errors
from opendata.check import judges, read_book
from opendata.check.context import Context, FieldInfo, on_sheet
from opendata.check.report import Report, Violation
from opendata.check.safety import Limits

ASCII_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def field_infos(schema: dict[str, Any]) -> dict[str, FieldInfo]:
    missing: dict[str, str] = {}
    for item in schema.get("missingValues", [""]):
        if isinstance(item, dict):
            missing[str(item.get("value", ""))] = str(item.get("label", ""))
        else:
            missing[str(item)] = ""
    return {
        f["name"]: FieldInfo(
            name=f["name"],
            type=f.get("type", "string"),
            title=f.get("title"),
            unit=f.get("unit"),
            description=f.get("description") or f.get("descriptionEnglish"),
            missing=missing,
            has_enum=bool((f.get("constraints") or {}).get("enum") or f.get("categories")),
            required=bool((f.get("constraints") or {}).get("required")),
        )
        for f in schema.get("fields", [])
    }


def check_package(directory: Path, limits: Limits) -> list[tuple[str, Report]]:
    descriptor_path = directory / "datapackage.json" if directory.is_dir() else directory
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.PackageError(f"cannot read {descriptor_path}: {exc}") from exc
    reports = []
    for resource in descriptor.get("resources", []):
        path = descriptor_path.parent / resource["path"]
        if _kind(resource) not in READABLE:
            continue  # not a table this checker reads; L1-01 names it in the other reports
        schema = field_infos(resource.get("schema") or {})
        book = read_book(path.read_bytes(), path.name, limits)
        ctx = Context(book, path.name, schema, {"package": descriptor, "resource": resource})
        extra: dict[str, judges.Judge] = {
            "L1-01": l1_01_package,
            "L3-02": l3_02_package,
            "L3-08": l3_08_package,
        }
        reports.append((resource["name"], judges.judge(ctx, extra)))
    return reports


MACHINE_READABLE = {"csv", "tsv", "xlsx", "ods", "json", "xml", "ndjson", "parquet"}
READABLE = {"csv", "tsv", "xlsx"}


def _kind(resource: dict[str, Any]) -> str:
    return str(resource.get("format") or str(resource.get("path", "")).rsplit(".", 1)[-1]).lower()


def l1_01_package(ctx: Context) -> list[Violation]:
    """Every resource of the package is in a format programs read directly (no PDF, no Word)."""
    assert ctx.package is not None
    sheet = ctx.book.sheets[0]
    found = []
    for resource in ctx.package["package"].get("resources", []):
        kind = _kind(resource)
        if kind not in MACHINE_READABLE:
            found.append(
                on_sheet(
                    sheet,
                    f"リソース「{resource.get('name')}」の形式 {kind} は機械が直接読める形式ではありません。",
                    f"resource “{resource.get('name')}” is {kind}, not a format programs read directly.",
                )
            )
    return found


def l3_02_package(ctx: Context) -> list[Violation]:
    """Every code column has its meaning beside it: a name column, an enum or labelled categories."""
    fields = ctx.schema or {}
    sheet = ctx.book.sheets[0]
    found = []
    for name, info in fields.items():
        if not name.endswith("_code") or info.has_enum:
            continue
        stem = name.removesuffix("_code")
        if not {stem, f"{stem}_name", f"{stem}_label"} & set(fields):
            found.append(
                on_sheet(
                    sheet,
                    f"コード列「{name}」の意味を示す名称列・コード表がありません。",
                    f"code column “{name}” has no name column or code list beside it.",
                )
            )
    return found


def l3_08_package(ctx: Context) -> list[Violation]:
    assert ctx.package is not None
    package, resource = ctx.package["package"], ctx.package["resource"]
    sheet = ctx.book.sheets[0]
    found = []

    def need(ok: Any, ja: str, en: str) -> None:
        if not ok:
            found.append(on_sheet(sheet, ja, en))

    need(
        package.get("description") or package.get("descriptionEnglish"),
        "パッケージの説明がありません。",
        "the package has no description.",
    )
    need(package.get("sources"), "出典（sources）がありません。", "the package names no sources.")
    need(
        package.get("version") or package.get("created"),
        "版・作成日（version / created）がありません。",
        "the package has no version or created date.",
    )
    need(
        resource.get("encoding"),
        "リソースの文字コード（encoding）が書かれていません。",
        "the resource does not state its encoding.",
    )
    for name, info in (ctx.schema or {}).items():
        need(
            ASCII_NAME.match(name),
            f"列名「{name}」が英数字の物理名ではありません。",
            f"field name “{name}” is not ASCII snake_case.",
        )
        need(
            info.description,
            f"列「{name}」に説明（description）がありません。",
            f"field “{name}” has no description.",
        )
    return found
