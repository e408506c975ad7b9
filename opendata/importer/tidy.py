"""From the printed table to a tidy one: one observation per row, typed fields, totals as
checks. Wide period (or item) columns become rows unless the caller asks to keep them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from opendata import periods as periods_module
from opendata.check.cells import MISSING_SYMBOLS, missing_symbol, read_figure
from opendata.check.sheet import is_blank
from opendata.importer.names import name_for, unique
from opendata.importer.printed import SUBTOTAL, TOTAL, Column, Printed
from opendata.importer.timeaxis import PeriodLabel, era_of, read_periods

# An era-less label (28年度) with no era printed anywhere is read in the latest era up to now.
NOT_AFTER = periods_module.fiscal_year_of(date.today())


@dataclass
class Field:
    name: str
    title: str
    type: str = "string"
    unit: str | None = None
    description: str | None = None
    fallback_name: bool = False


@dataclass
class Tidy:
    fields: list[Field]
    rows: list[list[str]]
    checks: list[dict[str, Any]]
    missing: dict[str, str]  # symbol -> meaning (Table Schema v2 missingValues labels)
    long: bool
    log: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)


@dataclass
class Measure:
    column: Column
    period: PeriodLabel | None
    rest: list[str]  # heading parts other than the period

    @property
    def is_total(self) -> bool:
        return bool(self.rest) and bool(TOTAL.match(self.rest[-1]))


def measures_of(printed: Printed) -> list[Measure]:
    columns = [c for i, c in enumerate(printed.columns) if i not in printed.stub]
    era = era_of(printed.title)
    depth = max((len(c.parts) for c in columns), default=0)
    found: list[PeriodLabel | None] = [None] * len(columns)
    level_of: list[int | None] = [None] * len(columns)
    for level in range(depth):
        labels: list[object] = [c.parts[level] if level < len(c.parts) else None for c in columns]
        for i, period in enumerate(read_periods(labels, era, NOT_AFTER)):
            if period is not None and found[i] is None:
                found[i], level_of[i] = period, level
    return [
        Measure(c, found[i], [p for k, p in enumerate(c.parts) if k != level_of[i]])
        for i, c in enumerate(columns)
    ]


def make_tidy(printed: Printed, long: bool | None) -> Tidy:
    measures = measures_of(printed)
    periods = {m.period.year for m in measures if m.period}
    items = [m for m in measures if m.is_total]
    if long is None:
        long = len(periods) >= 2 or bool(items)
        why = "period columns" if len(periods) >= 2 else "item columns with a total"
        if long:
            printed.log.append(f"reshaped to long form: the sheet has {why} (use --wide to keep them)")
    builder = _Builder(printed, measures)
    tidy = builder.long() if long else builder.wide()
    tidy.log[:0] = printed.log
    tidy.undecided[:0] = printed.undecided
    return tidy


class _Builder:
    def __init__(self, printed: Printed, measures: list[Measure]) -> None:
        self.printed = printed
        self.measures = measures
        self.log: list[str] = []
        self.undecided: list[str] = []
        self.missing: dict[str, str] = {"": "原表で空欄（値なし）"}
        self.notes_used: set[str] = set()
        self.item_name = "item"  # the long form's column for the column headings (see long())
        # As-of labels (令和3年度(12月末現在)) need the span they cover beside them.
        self.stub_readings: dict[str, PeriodLabel | None] = {}
        self.spans = any(m.period and m.period.end for m in measures) or any(
            p is not None and p.end is not None for i in printed.stub for p in self._row_periods(i).values()
        )
        self.stub_fields, self.stub_period = self._stub_fields()
        self._note_guessed(m.period for m in measures)

    # ---- row labels -------------------------------------------------------------------
    def _row_periods(self, i: int) -> dict[str, PeriodLabel | None]:
        """Row label -> its period, read down stub column i with the era carried."""
        labels = [values[i] for _, values in self.printed.rows if not self.printed.is_total_row(values)]
        readings = read_periods(labels, era_of(self.printed.title), NOT_AFTER)
        return {
            str(label).strip(): p for label, p in zip(labels, readings, strict=True) if not is_blank(label)
        }

    def _stub_fields(self) -> tuple[list[Field], int | None]:
        fields, stub_period = [], None
        for i in self.printed.stub:
            col = self.printed.columns[i]
            readings = self._row_periods(i)
            if readings and all(p is not None for p in readings.values()):  # every row label is a period
                stub_period, self.stub_readings = i, readings
                kind = next(p.kind for p in readings.values() if p is not None)  # all read, so the first
                fields += _period_fields(kind, col.title, self.spans)
                self.log.append(f"column {col.title or i + 1}: era/fiscal-year labels read as Western {kind}")
                self._note_guessed(readings.values())
                continue
            fields.append(self._named(col.parts, col.title, col.index))
        return fields, stub_period

    def _note_guessed(self, readings) -> None:
        guessed = [p for p in readings if p is not None and p.guessed_era]
        if guessed:
            shown = ", ".join(f"{p.label}={p.year}" for p in guessed[:6])
            self.undecided.append(
                f"no era is printed: read {shown} in the latest era up to FY{NOT_AFTER}; check"
            )

    def _named(self, parts: list[str], title: str, index: int, **kw: Any) -> Field:
        name = name_for(parts)
        if name is None:
            self.undecided.append(
                f"no ASCII name for heading “{title}”: called it col_{index + 1}; rename it in the schema"
            )
            described = {"description": f"原表の見出し「{title}」の列。"} | kw
            return Field(f"col_{index + 1}", title or f"列{index + 1}", fallback_name=True, **described)
        return Field(name, title or name, **({"description": f"原表の見出し「{title}」の列。"} | kw))

    def _stub_values(self, values: list[Any]) -> list[str]:
        out = []
        for i in self.printed.stub:
            value = values[i]
            if i == self.stub_period:
                period = self.stub_readings.get(str(value).strip())
                out += (
                    _period_values(period, self.spans)
                    if period
                    else ["", str(value), *[""] * (3 * self.spans)]
                )
            elif isinstance(value, datetime | date):
                out.append(value.date().isoformat() if isinstance(value, datetime) else value.isoformat())
            else:
                out.append("" if is_blank(value) else str(value).strip())
        return out

    # ---- figures ----------------------------------------------------------------------
    def _figure(self, value: Any, unit_seen: set[str], notes: list[str]) -> tuple[str, bool]:
        """(CSV text, is_float) of a figure cell; symbols kept and declared as missing values."""
        if is_blank(value):
            return "", False
        symbol = missing_symbol(value)
        if symbol is not None:
            self.missing[symbol] = MISSING_SYMBOLS[symbol][0]
            return symbol, False
        figure = read_figure(value)
        if figure is None:
            self.undecided.append(f"“{value}” is no figure; kept as printed in a number column")
            return str(value), False
        if figure.unit:
            unit_seen.add(figure.unit)
        if figure.mark:
            notes.append(self._note(figure.mark))
        return (repr(figure.value) if isinstance(figure.value, float) else str(figure.value)), isinstance(
            figure.value, float
        )

    def _note(self, mark: str) -> str:
        mark = mark.replace(" ", "")
        self.notes_used.add(mark)
        text = self.printed.notes.get(mark)
        return f"{mark} {text}" if text else mark

    def _unit(self, units: set[str], measures: list[Measure]) -> str | None:
        declared = {m.column.unit for m in measures if m.column.unit} | units
        if self.printed.unit:
            declared.add(self.printed.unit)
        if len(declared) > 1:
            self.undecided.append(
                f"several units printed ({', '.join(sorted(declared))}); check the value unit"
            )
        if not declared:
            self.undecided.append("no unit is printed for the figures: add `unit` to the value field")
        return sorted(declared)[0] if declared else None

    def _data_rows(self):
        """(stub values, row values) of observation rows; group heading rows carried along."""
        group = None
        for r, values in self.printed.rows:
            figures = [values[self.printed.columns.index(m.column)] for m in self.measures]
            if all(is_blank(v) for v in figures):
                group = next((str(values[i]) for i in self.printed.stub if not is_blank(values[i])), group)
                continue
            if any(isinstance(values[i], str) and SUBTOTAL.search(values[i]) for i in self.printed.stub):
                self.undecided.append(
                    f"row {r + 1} looks like a subtotal: kept as data; drop it or make it a check"
                )
            yield r, group, values

    # ---- long -------------------------------------------------------------------------
    def long(self) -> Tidy:
        item_level = any(m.rest for m in self.measures)
        period_kind = next((m.period.kind for m in self.measures if m.period), None)
        fields = list(self.stub_fields)
        groups = any(g for _, g, _ in self._data_rows())
        if groups:
            fields.append(
                Field("group", "区分（見出し行）", description="原表で数値のない見出し行に書かれた区分。")
            )
        if period_kind:
            fields += _period_fields(period_kind, "", self.spans)
        if item_level:
            values = {"_".join(m.rest) for m in self.measures if not m.is_total}
            self.item_name, item_title = _dimension_of(values)
            fields.append(Field(self.item_name, item_title, description="原表で列の見出しに並んでいた項目。"))
            if self.item_name == "item":
                self.undecided.append("the column headings became column `item`: give it a better name")
            else:
                self.log.append(
                    f"column headings {sorted(values)} became column `{self.item_name}` ({item_title})"
                )
        rows: list[list[str]] = []
        checks: list[dict[str, Any]] = []
        units: set[str] = set()
        notes_col = False
        is_float = False
        pending: list[tuple[list[str], list[str]]] = []
        for _, group, values in self._data_rows():
            base = self._stub_values(values)
            total_row = self.printed.is_total_row(values)
            for m in self.measures:
                notes = [self._note(k) for k in m.column.marks]
                text, f = self._figure(values[self.printed.columns.index(m.column)], units, notes)
                is_float |= f
                key = [
                    *([group or ""] if groups else []),
                    *(_period_values(m.period, self.spans) if period_kind else []),
                ]
                item = "_".join(m.rest)
                if total_row or m.is_total:
                    where = self._where(fields, base, group, m, total_row, groups)
                    if text and read_figure(text) is not None:
                        label = next(
                            (str(values[i]) for i in self.printed.stub if TOTAL.match(str(values[i]))),
                            "_".join(m.rest),
                        )
                        checks.append({"field": "value", "where": where, "value": _num(text), "label": label})
                    continue
                row: list[str] = [*base, *key, *([item] if item_level else []), text]
                pending.append((row, notes))
                notes_col |= bool(notes)
        unit = self._unit(units, self.measures)
        fields.append(
            Field("value", "値", "number" if is_float else "integer", unit, self._value_description())
        )
        if notes_col:
            fields.append(
                Field("note", "注記", description="数値や見出しに付いていた注記記号と、その注記の本文。")
            )
        for row, notes in pending:
            rows.append([*row, "; ".join(notes)] if notes_col else row)
        report = [{"rule": "printed-total", "totals": checks}] if checks else []
        if checks:
            self.log.append(
                f"turned {len(checks)} printed total(s) into a printed-total check (not data rows)"
            )
        return Tidy(fields, rows, report, self.missing, True, self.log, self.undecided)

    def _where(self, fields, base, group, m: Measure, total_row: bool, groups: bool) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if not total_row:
            for f, value in zip(fields[: len(base)], base, strict=False):
                if f.name in PERIOD_DETAILS:
                    continue  # the year names the row; its label and span only repeat it
                where[f.name] = int(value) if f.type == "integer" and value.lstrip("-").isdigit() else value
        if groups and group:
            where["group"] = group
        if m.period:
            where[m.period.kind] = m.period.year
        if m.rest and not m.is_total:
            where[self.item_name] = "_".join(m.rest)
        return where

    def _value_description(self) -> str:
        used = [f"{k} {v}" for k, v in self.printed.notes.items() if k in self.notes_used]
        return "。".join(["表の数値。記号は欠損値（missingValues）として意味を定義", *used])

    # ---- wide -------------------------------------------------------------------------
    def wide(self) -> Tidy:
        fields = list(self.stub_fields)
        measure_fields = []
        for m in self.measures:
            parts = (
                [f"fy{m.period.year}" if m.period.kind == "fiscal_year" else str(m.period.year)]
                if m.period
                else []
            )
            named = self._named([*parts, *m.rest], m.column.title, m.column.index)
            named.unit = m.column.unit or self.printed.unit
            if named.unit is None:
                self.undecided.append(f"no unit is printed for “{m.column.title}”: add `unit` to its field")
            named.description = "。".join(
                [f"原表の見出し「{m.column.title}」の数値", *map(self._note, m.column.marks)]
            )
            measure_fields.append(named)
        for mf, name in zip(measure_fields, unique([mf.name for mf in measure_fields]), strict=True):
            mf.name = name
        rows: list[list[str]] = []
        checks: list[dict[str, Any]] = []
        floats = [False] * len(self.measures)
        units: set[str] = set()
        for _, _, values in self._data_rows():
            cells = []
            for k, m in enumerate(self.measures):
                text, is_float = self._figure(values[self.printed.columns.index(m.column)], units, [])
                floats[k] |= is_float
                cells.append(text)
            if self.printed.is_total_row(values):
                label = next(str(values[i]) for i in self.printed.stub if TOTAL.match(str(values[i])))
                checks += [
                    {"field": mf.name, "where": {}, "value": _num(t), "label": label}
                    for mf, t in zip(measure_fields, cells, strict=True)
                    if read_figure(t) is not None
                ]
                continue
            rows.append([*self._stub_values(values), *cells])
        for mf, floating in zip(measure_fields, floats, strict=True):
            mf.type = "number" if floating else "integer"
        report: list[dict[str, Any]] = []
        totals = [i for i, m in enumerate(self.measures) if m.is_total]
        for t in totals:
            parts = [
                mf.name
                for i, mf in enumerate(measure_fields)
                if i != t
                and not self.measures[i].is_total
                and self.measures[i].period == self.measures[t].period
            ]
            report.append({"rule": "sum", "total": measure_fields[t].name, "parts": parts})
        if checks:
            report.append({"rule": "printed-total", "totals": checks})
        self.log.append("kept the printed columns (wide form); `opendata check` will report L3-09")
        return Tidy(fields + measure_fields, rows, report, self.missing, False, self.log, self.undecided)


DIMENSIONS = (
    ("sex", "性別", {"男", "女", "男性", "女性", "不明"}),
    (
        "channel",
        "相談方法",
        {"電話", "来所", "メール", "SNS", "ＳＮＳ", "訪問", "面接", "面談", "オンライン", "その他"},
    ),
)


def _dimension_of(values: set[str]) -> tuple[str, str]:
    """A name for the dimension the column headings form, when its values say what it is."""
    for name, title, known in DIMENSIONS:
        if values and values <= known:
            return name, title
    return "item", "項目"


def _period_fields(kind: str, title: str, spans: bool) -> list[Field]:
    if kind == "fiscal_year":
        fields = [
            Field("fiscal_year", "年度（西暦）", "integer", description=FISCAL_YEAR),
            Field("fiscal_year_label", title or "年度（原表記）", description=PRINTED_LABEL),
        ]
    else:
        fields = [
            Field("year", "年（西暦）", "integer", description="暦年（西暦）。"),
            Field("year_label", title or "年（原表記）", description=PRINTED_LABEL),
        ]
    if spans:
        fields += [
            Field("period_start", "集計期間開始日", "date", description="数値が対象とする期間の初日。"),
            Field(
                "period_end",
                "集計期間終了日",
                "date",
                description="数値が対象とする期間の末日（現在日付を含む）。",
            ),
            Field("is_partial", "部分期間", "boolean", description="期間が年度（年）全体より短いときtrue。"),
        ]
    return fields


PERIOD_DETAILS = {"fiscal_year_label", "year_label", "period_start", "period_end", "is_partial"}
FISCAL_YEAR = "年度（4月から翌年3月まで）を、始まる年の西暦で表す。2020は2020年4月から2021年3月まで。"
PRINTED_LABEL = "原表に印刷されたとおりの時点の表記。"


def _period_values(period: PeriodLabel | None, spans: bool) -> list[str]:
    if period is None:
        return ["", "", *(["", "", ""] if spans else [])]
    values = [str(period.year), period.label]
    if spans:
        partial = period.end is not None
        values += [period.start.isoformat(), period.last_day.isoformat(), "true" if partial else "false"]
    return values


def _num(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number
