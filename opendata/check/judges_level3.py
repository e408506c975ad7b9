"""Level-3 rules about what cells hold: special symbols, units, time labels, area names."""

from __future__ import annotations

import re
import unicodedata

from opendata.check.cells import UNIT_NOTE, missing_symbol
from opendata.check.context import Context, at, on_sheet, years_or_dates
from opendata.check.report import Violation
from opendata.check.sheet import Sheet, cell_name, is_blank

# A time label as a whole cell: 令和2年度, R2年4月, 令和3年度(12月末現在), 平成30年度末, 令和3年度上期.
# Prose that mentions an era year (令和2年度から継続) is a remark, not a time axis.
ERA_LABEL = re.compile(
    r"^(令和|平成|昭和|大正|明治|[RHS])\s*(\d+|元)\s*年(度)?\s*(\d{1,2}月)?\s*(\d{1,2}日)?\s*(末|上期|下期)?"
    r"\s*([(（][^()（）]*[)）])?\s*$"
)
WESTERN_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
UNIT_IN_HEADING = re.compile(r"[（(][^）)]*[）)]|単位|[人件円%％率]$|割合|率")
UNIT_COLUMNS = {"unit", "単位", "unit_ja"}
AREA_SUFFIX = re.compile(r"(都|道|府|県|市|区|町|村)$")
AREA_COLUMN = re.compile(r"市町村|市区町村|自治体|地域|地区|都道府県|municipality|prefecture|area")
CODE_VALUE = re.compile(r"^\d{5,6}$")


def l3_03(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        defined = _defined_symbols(ctx, sheet)
        heads = ctx.headings(sheet, table)
        for c in ctx.numeric_columns(sheet, table):
            field = (ctx.schema or {}).get(heads.get(c, ""))
            symbols = {missing_symbol(sheet.value(r, c)) for r in range(table.body_top, table.bottom + 1)} - {
                None
            }
            for symbol in sorted(s for s in symbols if s is not None):
                if symbol in defined or (field is not None and symbol in field.missing):
                    continue
                found.append(
                    on_sheet(
                        sheet,
                        f"{cell_name(table.body_top, c)} の列の記号「{symbol}」の意味が定義されていません。",
                        f"the symbol “{symbol}” in column {cell_name(table.body_top, c)} is not defined.",
                    )
                )
    return found


def _defined_symbols(ctx: Context, sheet: Sheet) -> set[str]:
    """Symbols a note on the sheet defines: 「－」は該当なし, x：秘匿, *** = 秘匿."""
    defined = set()
    for r, c in ctx.layouts[sheet.name].outside:
        text = str(sheet.value(r, c))
        for match in re.finditer(r"[「『]?([－\-―…xXｘ*＊/／△]+)[」』]?\s*(?:は|：|:|=|＝)", text):
            defined.add(match.group(1))
    return defined


def l3_04(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        heads = ctx.headings(sheet, table)
        if any(
            UNIT_NOTE.search(str(sheet.value(r, c)).strip()) for r, c in ctx.layouts[sheet.name].outside
        ) or any(h.strip().lower() in UNIT_COLUMNS for h in heads.values()):
            continue
        for c in ctx.numeric_columns(sheet, table):
            field = (ctx.schema or {}).get(heads[c])
            if field is not None:
                if not field.unit and not _is_count_like(field):
                    found.append(
                        on_sheet(
                            sheet,
                            f"列「{heads[c]}」に単位（unit）がありません。",
                            f"column “{heads[c]}” declares no unit.",
                        )
                    )
            elif not UNIT_IN_HEADING.search(heads[c]) and not _unit_in_format(sheet, table, c):
                found.append(
                    on_sheet(
                        sheet,
                        f"列「{heads[c]}」に単位の記載がありません。",
                        f"column “{heads[c]}” states no unit.",
                        cell_name(table.body_top - 1, c),
                    )
                )
    return found


def format_unit(number_format: str) -> str | None:
    """The unit a number format prints after the figure: #,##0"人" -> 人 (the value stays a number)."""
    match = re.search(r'"([^"0-9#,.]+)"\s*(?:;|$)', number_format)
    return match.group(1).strip() if match else None


def _unit_in_format(sheet: Sheet, table, c: int) -> bool:
    formats = [sheet.number_formats.get((r, c)) for r in range(table.body_top, table.bottom + 1)]
    return any(f and format_unit(f) for f in formats)


def _is_count_like(field) -> bool:
    """Years, codes and ordinals are integers without a unit of measure."""
    return bool(re.search(r"year|code|order|number$|_no$|rank|month|term|page|_id$|^id$", field.name))


def l3_05(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        western_column = any(
            _western_year_column(sheet, table, c) for c in range(table.left, table.right + 1)
        )
        for r in range(table.top, table.bottom + 1):
            for c in range(table.left, table.right + 1):
                value = sheet.value(r, c)
                if (
                    isinstance(value, str)
                    and ERA_LABEL.match(_fold_width(value))
                    and not WESTERN_YEAR.search(value)
                ):
                    if r >= table.body_top and western_column:
                        continue
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)}「{value}」は和暦だけの表記です。",
                            f"{cell_name(r, c)} “{value}” gives only the Japanese era.",
                        )
                    )
    return found


def _fold_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _western_year_column(sheet: Sheet, table, c: int) -> bool:
    values = [sheet.value(r, c) for r in range(table.body_top, table.bottom + 1)]
    return years_or_dates([v for v in values if not is_blank(v)])


def l3_06(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        heads = ctx.headings(sheet, table)
        has_code = any(_code_column(sheet, table, c) for c in heads)
        for c, heading in heads.items():
            if not AREA_COLUMN.search(heading) or has_code:
                continue
            for r in range(table.body_top, table.bottom + 1):
                value = sheet.value(r, c)
                if isinstance(value, str) and value.strip() and not AREA_SUFFIX.search(value.strip()):
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)}「{value}」は正式な地域名称ではなく、"
                            "地域コードの列もありません。",
                            f"{cell_name(r, c)} “{value}” is no formal area name "
                            "and there is no area-code column.",
                        )
                    )
    return found


def _code_column(sheet: Sheet, table, c: int) -> bool:
    values = [sheet.value(r, c) for r in range(table.body_top, table.bottom + 1)]
    texts = [str(int(v)) if isinstance(v, int | float) else str(v) for v in values if not is_blank(v)]
    return bool(texts) and all(CODE_VALUE.match(t) for t in texts)
