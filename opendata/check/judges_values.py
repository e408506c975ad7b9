"""Rules about what cells hold: spaces, several values, odd characters, numbers typed as text,
omitted repeats, choice spellings, special symbols, units, era years, area names."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from opendata.check.cells import SAME_AS_ABOVE, as_number, missing_symbol, read_figure
from opendata.check.context import Context, at, on_sheet, years_or_dates
from opendata.check.report import Violation
from opendata.check.sheet import Sheet, cell_name, is_blank

# Characters that differ between systems: circled and parenthesised numbers, Roman-numeral
# ligatures, squared words (㍻ ㌔ ㎡), enclosed ideographs (㈱), half-width katakana, №, ℡.
PLATFORM_DEPENDENT = re.compile(
    "[\u2460-\u24ff\u2160-\u217f\u3200-\u33ff\uff61-\uff9f\u2116\u2121\u2252\u2261\u222b\u221a\u22a5\u2220\u221f\u22bf\u2235\u2229\u222a]"
)
EDGE_OR_DOUBLE_SPACE = re.compile(r"^[ \u3000]|[ \u3000]$|[ \u3000]{2,}")
# Spaces between Japanese characters align short labels (東　京, 横 浜 市); in prose after 。 or
# between a Japanese and an English sentence they separate, so only short cells are judged.
SPACED_LABEL = re.compile(r"[^\x00-\x7f。、．，）」』][ \u3000]+[^\x00-\x7f（「『]")
SHORT_LABEL = 12


def layout_space(value: str) -> bool:
    return bool(EDGE_OR_DOUBLE_SPACE.search(value)) or (
        len(value) <= SHORT_LABEL and bool(SPACED_LABEL.search(value))
    )


SEVERAL_VALUES = re.compile(
    r"\d[\d,.]*\s*[(（]\s*\d[\d,.]*\s*[)）]|\d\s*[/／]\s*\d|[男女]\s*\d+.*[男女]\s*\d+|\d+\s*[～~]\s*\d+.*\d"
)
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


def _each_cell(ctx: Context):
    for sheet, table in ctx.tables():
        for r in range(table.top, table.bottom + 1):
            for c in range(table.left, table.right + 1):
                value = sheet.value(r, c)
                if isinstance(value, str) and value:
                    yield sheet, table, r, c, value


def l1_06(ctx: Context) -> list[Violation]:
    found = []
    for sheet, _, r, c, value in _each_cell(ctx):
        if "\n" in value or "\r" in value:
            found.append(
                at(
                    sheet,
                    r,
                    c,
                    f"{cell_name(r, c)} にセル内改行があります。",
                    f"{cell_name(r, c)} has a line break.",
                )
            )
        elif layout_space(value):
            found.append(
                at(
                    sheet,
                    r,
                    c,
                    f"{cell_name(r, c)}「{value}」に体裁用の空白があります。",
                    f"{cell_name(r, c)} “{value}” has layout spaces.",
                )
            )
    return found


def l1_07(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        for c in ctx.numeric_columns(sheet, table):
            for r in range(table.body_top, table.bottom + 1):
                value = sheet.value(r, c)
                if isinstance(value, str) and SEVERAL_VALUES.search(value):
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)}「{value}」に複数の値があります。",
                            f"{cell_name(r, c)} “{value}” holds several values.",
                        )
                    )
    return found


def l1_08(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if isinstance(value, str) and (match := PLATFORM_DEPENDENT.search(value)):
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)} に機種依存文字「{match.group()}」があります。",
                            f"{cell_name(r, c)} has the platform-dependent character “{match.group()}”.",
                        )
                    )
    return found


def l1_09(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        heads = ctx.headings(sheet, table)
        for c in ctx.numeric_columns(sheet, table):
            field = (ctx.schema or {}).get(heads[c])
            if field is not None and field.missing.get(""):
                continue  # the schema says what a blank means (missingValues with a label)
            body = [
                (r, sheet.value(r, c))
                for r in range(table.body_top, table.bottom + 1)
                if _is_data_row(sheet, table, r, c)
            ]
            has_zero = any(as_number(v) == 0 for _, v in body)
            blanks = [r for r, v in body if is_blank(v)]
            if has_zero and blanks:
                for r in blanks:
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)} が空欄ですが、同じ列に0もあります（空欄の意味が不明）。",
                            f"{cell_name(r, c)} is blank while its column also holds 0: blank or zero?",
                        )
                    )
    return found


def _is_data_row(sheet: Sheet, table, r: int, column: int) -> bool:
    """A body row that holds something besides the cell being judged (not an empty line)."""
    return any(not is_blank(sheet.value(r, c)) for c in range(table.left, table.right + 1) if c != column)


def l2_01(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        for c in ctx.numeric_columns(sheet, table):
            for r in range(table.body_top, table.bottom + 1):
                value = sheet.value(r, c)
                figure = read_figure(value)
                if figure is not None and figure.cleaned:
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)}「{value}」は文字列の数値です"
                            "（単位・区切り・注記・全角を含む）。",
                            f"{cell_name(r, c)} “{value}” is a number typed as text.",
                        )
                    )
    return found


def l2_02(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        numeric = ctx.numeric_columns(sheet, table)
        # Only the row labels left of the figures repeat; with no figures, only the first column.
        limit = min(numeric) if numeric else table.left + 1
        stub = [c for c in ctx.text_columns(sheet, table) if c < limit]
        if ctx.schema is not None:  # with a schema, the columns that must always hold a value
            heads = ctx.headings(sheet, table)
            stub = [
                c
                for c in ctx.text_columns(sheet, table)
                if getattr(ctx.schema.get(heads[c]), "required", False)
            ]
        for c in stub:
            for r in range(table.body_top, table.bottom + 1):
                value = sheet.value(r, c)
                if isinstance(value, str) and value.strip() in SAME_AS_ABOVE:
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)} が「{value.strip()}」で省略されています。",
                            f"{cell_name(r, c)} says “{value.strip()}” for “same as above”.",
                        )
                    )
                elif (
                    is_blank(value)
                    and _is_data_row(sheet, table, r, c)
                    and _filled_above(sheet, table, r, c)
                    and not _is_total_row(sheet, table, r)
                ):
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"{cell_name(r, c)} が空欄です（上と同じ値の省略）。",
                            f"{cell_name(r, c)} is blank, leaving out “same as above”.",
                        )
                    )
    return found


TOTAL_LABEL = re.compile(r"^\s*(合\s*計|総\s*計|総\s*数|計|小\s*計|全\s*体|県\s*計|total)\s*$", re.IGNORECASE)


def _is_total_row(sheet: Sheet, table, r: int) -> bool:
    """A 合計 row leaves the other label cells blank on purpose."""
    return any(
        isinstance(v, str) and TOTAL_LABEL.match(v)
        for v in (sheet.value(r, c) for c in range(table.left, table.right + 1))
    )


def _filled_above(sheet: Sheet, table, r: int, c: int) -> bool:
    return any(not is_blank(sheet.value(above, c)) for above in range(table.body_top, r))


def l2_04(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        for c in ctx.text_columns(sheet, table):
            spellings: dict[str, set[str]] = defaultdict(set)
            for r in range(table.body_top, table.bottom + 1):
                value = sheet.value(r, c)
                if isinstance(value, str) and value.strip():
                    spellings[_fold(value)].add(value)
            for variants in spellings.values():
                if len(variants) > 1:
                    shown = "」「".join(sorted(variants))
                    found.append(
                        on_sheet(
                            sheet,
                            f"{cell_name(table.body_top, c)} の列に表記揺れ「{shown}」があります。",
                            f"column at {cell_name(table.body_top, c)} spells one answer "
                            f"several ways: {sorted(variants)}.",
                        )
                    )
    return found


def _fold(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", text)).lower().removesuffix("み")


def l2_05(ctx: Context) -> list[Violation]:
    return [
        at(
            sheet,
            r,
            c,
            f"{cell_name(r, c)}「{value}」は「その他」と詳細が同じセルにあります。",
            f"{cell_name(r, c)} “{value}” mixes その他 with its detail.",
        )
        for sheet, table, r, c, value in _each_cell(ctx)
        if r >= table.body_top and re.match(r"^\s*その他\s*[（(:：「].+", value)
    ]


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
        if any("単位" in str(sheet.value(r, c)) for r, c in ctx.layouts[sheet.name].outside) or any(
            h.strip().lower() in UNIT_COLUMNS for h in heads.values()
        ):
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
