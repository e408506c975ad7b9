"""Rules about a sheet's shape: tables, headings, merges, hidden parts, objects, formulas."""

from __future__ import annotations

import re
from collections import Counter

from opendata.check.context import Context, at, on_row, on_sheet
from opendata.check.report import Violation
from opendata.check.sheet import Sheet, cell_name, column_letter_range, is_blank, range_name

PERIOD_HEADING = re.compile(
    r"^(?:(?:令和|平成|昭和|[RHS])\s*(?:\d+|元)\s*年度?|(?:19|20)\d{2}\s*年度?|FY\s*\d{4}|fy_?\d{4}|"
    r"(?:19|20)\d{2}|[rh]\d{1,2}|(?:19|20)\d{2}[-/]\d{1,2}|\d{1,2}月)"
)


def l1_01(ctx: Context) -> list[Violation]:
    return []  # the file was read as .xlsx / CSV / TSV, so it is machine-readable by format


def l1_02(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        tables = ctx.layouts[sheet.name].tables
        for table in tables[1:]:
            found.append(
                on_sheet(
                    sheet,
                    f"{range_name(table.top, table.left, table.bottom, table.right)} に"
                    "2つ目以降の表があります"
                    f"（このシートの表は{len(tables)}個）。",
                    f"another table at {range_name(table.top, table.left, table.bottom, table.right)} "
                    f"({len(tables)} tables on this sheet).",
                    range_name(table.top, table.left, table.bottom, table.right),
                )
            )
    return found


def l1_03(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        for r in table.gaps:
            found.append(
                on_row(
                    sheet, r, f"表の中の{r + 1}行目が空行です。", f"row {r + 1} inside the table is blank."
                )
            )
        for c in table.blank_columns:
            letter = column_letter_range(c)
            found.append(
                on_sheet(
                    sheet,
                    f"表の中の{letter}列が空列です。",
                    f"column {letter} inside the table is blank.",
                    f"{letter}:{letter}",
                )
            )
    return found


def l1_04(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        layout = ctx.layouts[sheet.name]
        if not layout.tables:
            continue
        for r, c in layout.outside:
            text = str(sheet.value(r, c))[:40]
            found.append(
                at(sheet, r, c, f"表の外に「{text}」があります。", f"“{text}” lies outside the table.")
            )
    return found


def l1_05(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        for c, heading in ctx.headings(sheet, table).items():
            if c in table.blank_columns:
                continue
            if not heading or re.fullmatch(r"[\W_]+|列\d+|Column\d+|Unnamed.*|\d+", heading):
                r = table.body_top - 1
                found.append(
                    at(
                        sheet,
                        r,
                        c,
                        f"{cell_name(r, c)} の列に意味の分かる項目名がありません（「{heading}」）。",
                        f"column at {cell_name(r, c)} has no meaningful heading (“{heading}”).",
                    )
                )
    return found


def l1_10(ctx: Context) -> list[Violation]:
    names = {
        "image": ("画像", "an image"),
        "chart": ("グラフ", "a chart"),
        "shape": ("図形・テキストボックス", "a shape or text box"),
        "comment": ("コメント（メモ）", "cell comments"),
    }
    found = []
    for sheet in ctx.book.sheets:
        for kind, count in Counter(sheet.objects).items():
            ja, en = names[kind]
            found.append(on_sheet(sheet, f"{ja}が{count}個あります。", f"{count} × {en}."))
    return found


def l1_11(ctx: Context) -> list[Violation]:
    """Emphasis on a minority of a column's body cells signals a meaning only the eye sees."""
    found = []
    for sheet, table in ctx.tables():
        for c in range(table.left, table.right + 1):
            body = [r for r in range(table.body_top, table.bottom + 1) if not is_blank(sheet.value(r, c))]
            marked = [r for r in body if (r, c) in sheet.styled]
            if marked and len(marked) < len(body):
                for r in marked:
                    style = sheet.styled[(r, c)]
                    found.append(
                        at(
                            sheet,
                            r,
                            c,
                            f"この列で{cell_name(r, c)}だけ書式（{style}）で区別されています。",
                            f"{cell_name(r, c)} is set apart by formatting ({style}) from its column.",
                        )
                    )
    return found


def l1_12(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        for top, left, bottom, right in sheet.merges:
            name = range_name(top, left, bottom, right)
            found.append(
                Violation(
                    sheet.name,
                    top + 1,
                    left + 1,
                    name,
                    {"ja": f"{name} が結合されています。", "en": f"{name} is merged."},
                )
            )
    return found


def l1_13(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        if sheet.state != "visible":
            found.append(
                on_sheet(sheet, f"シート「{sheet.name}」が非表示です。", f"sheet “{sheet.name}” is hidden.")
            )
        for first, last in runs(sheet.hidden_rows):
            rows = f"{first + 1}" if first == last else f"{first + 1}～{last + 1}"
            found.append(
                Violation(
                    sheet.name,
                    first + 1,
                    None,
                    f"{first + 1}:{last + 1}",
                    {"ja": f"{rows}行目が非表示です。", "en": f"row(s) {rows.replace('～', '-')} hidden."},
                )
            )
        for first, last in runs(sheet.hidden_columns):
            span = column_letter_range(first) + ("" if first == last else f":{column_letter_range(last)}")
            cells = f"{column_letter_range(first)}:{column_letter_range(last)}"
            found.append(on_sheet(sheet, f"{span}列が非表示です。", f"column(s) {span} hidden.", cells))
    return found


def runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive indexes as (first, last) pairs: a hidden block is one violation, not thousands."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def l1_14(ctx: Context) -> list[Violation]:
    sheet = ctx.book.sheets[0]
    return [
        at(
            sheet,
            r,
            c,
            f"{r + 1}件目のレコードの値に改行が含まれています。",
            f"record {r + 1} has a line break inside a value.",
        )
        for r, c in sheet.multiline
    ]


def l1_15(ctx: Context) -> list[Violation]:
    sheet = ctx.book.sheets[0]
    width = len(sheet.rows[0]) if sheet.rows else 0
    return [
        on_row(
            sheet,
            r,
            f"{r + 1}件目の列数が{count}で、見出しの{width}列と違います"
            "（引用符で囲まれていないカンマの疑い）。",
            f"record {r + 1} has {count} fields, the header {width} (an unquoted comma?).",
        )
        for r, count in sheet.ragged
    ]


def l2_03(ctx: Context) -> list[Violation]:
    found = []
    for sheet, table in ctx.tables():
        if table.header_rows > 1:
            found.append(
                on_sheet(
                    sheet,
                    f"項目名が{table.header_rows}行に分かれています"
                    f"（{table.top + 1}～{table.body_top}行目）。",
                    f"headings span {table.header_rows} rows ({table.top + 1}-{table.body_top}).",
                    range_name(table.top, table.left, table.body_top - 1, table.right),
                )
            )
        seen: dict[str, int] = {}
        for c in range(table.left, table.right + 1):
            text = sheet.value(table.body_top - 1, c)
            if is_blank(text):
                continue
            key = str(text).strip()
            if key in seen:
                r = table.body_top - 1
                found.append(
                    at(
                        sheet,
                        r,
                        c,
                        f"項目名「{key}」が{cell_name(r, seen[key])}と重複しています。",
                        f"heading “{key}” repeats {cell_name(r, seen[key])}.",
                    )
                )
            seen.setdefault(key, c)
    return found


def l2_06(ctx: Context) -> list[Violation]:
    return [
        at(sheet, r, c, f"{cell_name(r, c)} は数式です。", f"{cell_name(r, c)} holds a formula.")
        for sheet in ctx.book.sheets
        for r, c in sheet.formulas
    ]


def l3_01(ctx: Context) -> list[Violation]:
    found = []
    for sheet in ctx.book.sheets:
        tables = ctx.layouts[sheet.name].tables
        if not tables:
            continue
        table = tables[0]
        if table.top != 0 or table.left != 0:
            found.append(
                on_sheet(
                    sheet,
                    f"表が{cell_name(table.top, table.left)}から始まっています"
                    "（A1から項目名を始めてください）。",
                    f"the table starts at {cell_name(table.top, table.left)}, not A1.",
                    cell_name(table.top, table.left),
                )
            )
        if table.header_rows > 1:
            found.append(
                on_sheet(
                    sheet,
                    f"データが{table.body_top + 1}行目から始まっています（2行目からにしてください）。",
                    f"data starts at row {table.body_top + 1}, not row 2.",
                    f"{table.body_top + 1}:{table.body_top + 1}",
                )
            )
    return found


def l3_09(ctx: Context) -> list[Violation]:
    """Two or more period headings side by side: the periods belong in one column."""
    found = []
    for sheet, table in ctx.tables():
        heads = ctx.headings(sheet, table)
        titles = _schema_titles(ctx, heads)
        periods = [c for c, h in heads.items() if _is_period(h) or _is_period(titles.get(c, ""))]
        if len(periods) >= 2:
            cells = ", ".join(f"「{heads[c]}」" for c in periods[:6])
            found.append(
                on_sheet(
                    sheet,
                    f"時点が列に並んでいます（横持ち）：{cells}。",
                    f"periods laid out as columns (wide): {cells}.",
                    range_name(table.top, periods[0], table.body_top - 1, periods[-1]),
                )
            )
        for total, parts in _item_totals(ctx, sheet, table, heads):
            names = ", ".join(f"「{p}」" for p in parts)
            found.append(
                on_sheet(
                    sheet,
                    f"項目が列に並んでいます（横持ち）：{names} とその合計「{total}」。",
                    f"repeated items laid out as columns (wide): {names} and their total “{total}”.",
                )
            )
    return found


TOTAL_HEADING = re.compile(r"(合計|総計|総数|^計$|小計|total)", re.IGNORECASE)


def _item_totals(ctx: Context, sheet: Sheet, table, heads: dict[int, str]) -> list[tuple[str, list[str]]]:
    """Columns that are parts of a total column: categories of one measure, side by side."""
    if ctx.package is not None:
        return [
            (rule["total"], list(rule["parts"]))
            for rule in ctx.package["resource"].get("reportChecks", [])
            if rule.get("rule") == "sum"
        ]
    numeric = ctx.numeric_columns(sheet, table)
    found = []
    for t in numeric:
        if not TOTAL_HEADING.search(re.sub(r"[（(][^）)]*[）)]", "", heads.get(t, "")).strip()):
            continue
        for parts in (_run(numeric, t, -1), _run(numeric, t, 1)):
            for k in range(len(parts), 1, -1):
                if _sums_to(sheet, table, t, parts[:k]):
                    found.append((heads[t], [heads[c] for c in parts[:k]]))
                    break
            else:
                continue
            break
    return found


def _run(numeric: list[int], t: int, step: int) -> list[int]:
    run, c = [], t + step
    while c in numeric:
        run.append(c)
        c += step
    return run


def _sums_to(sheet: Sheet, table, total: int, parts: list[int]) -> bool:
    from opendata.check.cells import read_figure

    checked = 0
    for r in range(table.body_top, table.bottom + 1):
        figures = [read_figure(sheet.value(r, c)) for c in [total, *parts]]
        if any(f is None for f in figures):
            continue
        values = [f.value for f in figures if f is not None]
        if abs(values[0] - sum(values[1:])) > 1e-9:
            return False
        checked += 1
    return checked > 0


def _schema_titles(ctx: Context, heads: dict[int, str]) -> dict[int, str]:
    if ctx.schema is None:
        return {}
    return {c: ctx.schema[h].title or "" for c, h in heads.items() if h in ctx.schema}


def _is_period(heading: str) -> bool:
    last = heading.split("_")[-1] if heading else ""
    return bool(PERIOD_HEADING.match(heading or "")) or bool(PERIOD_HEADING.fullmatch(last))
