"""Level-1 and level-2 rules about what cells hold: spaces, several values, odd characters,
numbers typed as text, omitted repeats, choice spellings, "other" details."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from opendata.check.cells import SAME_AS_ABOVE, as_number, read_figure
from opendata.check.context import Context, at, on_sheet
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
