"""Bar charts of a resource's time series, as geometry a template draws as inline SVG.

A resource is a time series when it has a fiscal-year or period column and numeric
measures with a unit. Each unit gets its own chart (counts of people and of cases never
share an axis); periods run left to right in time order and every series is one bar per
period. A long table (one observation per row) charts through its documented pivot: one
series per category of the pivot's dimension that is not a period, named in the page's
language, for the pivot's values only. The table on the page stays the source of truth:
charts only draw its values, and each carries the same values as text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from opendata.catalog.models import Field, Resource
from opendata.web.i18n import format_number

TIME_FIELDS = (
    "fiscal_year",
    "call_fiscal_year",
    "term",
    "period_start",
    "period_end",
    "start_date",
    "as_of_date",
    "event_date",
)
PERIOD_MARKERS = ("fiscal_year", "call_fiscal_year", "period_start", "as_of_date", "event_date", "start_date")
LABEL_FIELDS = (
    "term_label",
    "call_label",
    "fiscal_year_label",
    "period_label",
    "as_of_label",
    "event_date_label",
)
NOT_CATEGORIES = {"local_government_code", "local_government_name", "period_type", *LABEL_FIELDS}
PALETTE = ("#1d5fa8", "#b4440c", "#2f7d32", "#7b3fa0", "#a3153f", "#00707a", "#6b4f1d", "#4a5568")
MAX_POINTS = 40
MAX_BAR_WIDTH = 96

WIDTH, LEFT, RIGHT, TOP, BOTTOM, PLOT_HEIGHT = 560, 72, 16, 32, 64, 260
# The SVG is never drawn narrower than its width in CSS pixels (site.css), so its text is
# always TEXT_PX, the page's body size: on a narrow screen the chart scrolls sideways
# instead of shrinking its labels. A period's slot is wide enough for its longest line.
TEXT_PX = 16


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    value: str
    series: str
    period: str


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: tuple[tuple[str, str], ...]  # (period label, value text) in time order


@dataclass
class Chart:
    id: str
    title: str
    unit: str
    description: str
    series: list[Series]
    y_ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    show_values: bool = True
    width: int = WIDTH
    height: int = TOP + PLOT_HEIGHT + BOTTOM
    left: int = LEFT
    top: int = TOP
    plot_width: int = WIDTH - LEFT - RIGHT
    plot_height: int = PLOT_HEIGHT


def is_time_series(resource: Resource) -> bool:
    return any(resource.field(n) for n in PERIOD_MARKERS) and bool(measures(resource))


def measures(resource: Resource) -> list[Field]:
    wanted = set(resource.pivot.values) if resource.pivot else None
    return [
        f
        for f in resource.fields
        if f.type in ("integer", "number")
        and f.unit
        and f.name not in TIME_FIELDS
        and (wanted is None or f.name in wanted)
    ]


def time_sort(resource: Resource) -> list[str]:
    """The fields that order the rows in time, most significant first."""
    return [n for n in TIME_FIELDS if resource.field(n)]


def resource_charts(
    resource: Resource,
    rows: list[dict[str, Any]],
    lang: str,
    names: Mapping[str, Mapping[Any, str]] | None = None,
) -> list[Chart]:
    """One chart per unit of the resource's measures; none when there is no series to draw.

    `names` gives the human name of ids that refer to another table (web.references).
    """
    if not is_time_series(resource) or len(rows) > MAX_POINTS:
        return []
    time_fields = time_sort(resource)
    rows = sorted(rows, key=lambda r: tuple((r[n] is None, r[n] or 0) for n in time_fields))
    periods: dict[tuple, str] = {}
    for row in rows:
        periods.setdefault(tuple(row[n] for n in time_fields), period_label(row, lang))
    if len(periods) < 2:
        return []
    categories = _categories(resource, rows, lang)
    units: dict[str, list[Field]] = {}
    for measure in measures(resource):
        units.setdefault(measure.unit or "", []).append(measure)
    charts = []
    for number, fields in enumerate(units.values(), start=1):
        series = _series(resource, rows, fields, categories, time_fields, list(periods), lang, names or {})
        if not series:
            continue
        title = resource.title_english if lang == "en" and resource.title_english else resource.title
        if len(units) > 1:
            measure_names = [_measure_name(resource, f, lang) for f in fields]
            joined = ", ".join(measure_names) if lang == "en" else "・".join(measure_names)
            title = f"{title}: {joined}" if lang == "en" else f"{title}：{joined}"
        unit_text = unit_label(resource, fields[0], lang)
        width = chart_width(list(periods.values()), len(series))
        chart = Chart(
            id=f"chart-{resource.name}-{number}",
            title=title,
            unit=unit_text,
            description=describe(title, unit_text, series, lang),
            series=series,
            width=width,
            plot_width=width - LEFT - RIGHT,
        )
        layout(chart, list(periods.values()), series)
        charts.append(chart)
    return charts


def _categories(resource: Resource, rows: list[dict[str, Any]], lang: str) -> list[str]:
    """Text fields that split one period into several series (e.g. one row per service)."""
    if resource.pivot is not None:
        return [
            name
            for name in resource.pivot.dimensions(lang)
            if name not in LABEL_FIELDS and name not in TIME_FIELDS and len({r[name] for r in rows}) > 1
        ]
    time_fields = time_sort(resource)
    keys = [tuple(r[n] for n in time_fields) for r in rows]
    if len(set(keys)) == len(keys):
        return []
    return [
        f.name
        for f in resource.fields
        if f.type == "string" and f.name not in NOT_CATEGORIES and len({r[f.name] for r in rows}) > 1
    ][:1]


def _series(
    resource: Resource,
    rows: list[dict[str, Any]],
    fields: list[Field],
    categories: list[str],
    time_fields: list[str],
    period_keys: list[tuple],
    lang: str,
    names: Mapping[str, Mapping[Any, str]],
) -> list[Series]:
    first_rows = {_key(r, time_fields): r for r in reversed(rows)}
    labels = {key: period_label(first_rows[key], lang) for key in period_keys}
    groups: dict[tuple, dict[tuple, Any]] = {}
    for row in rows:
        for measure in fields:
            group = (*(row[c] for c in categories), measure.name)
            groups.setdefault(group, {})[_key(row, time_fields)] = row[measure.name]
    series: list[Series] = []
    for group, values in groups.items():
        if all(v is None for v in values.values()):
            continue
        measured = next(f for f in fields if f.name == group[-1])
        parts = [str(names.get(c, {}).get(p, p)) for c, p in zip(categories, group[:-1], strict=True)]
        if len(fields) > 1 or not parts:
            parts.append(_measure_name(resource, measured, lang))
        name = " – ".join(parts)
        texts = tuple((labels[k], _value_text(values.get(k))) for k in period_keys)
        series.append(Series(name, PALETTE[len(series) % len(PALETTE)], texts))
    return series


def _key(row: dict[str, Any], time_fields: list[str]) -> tuple:
    return tuple(row[n] for n in time_fields)


def _value_text(value: Any) -> str:
    return "" if value is None else format_number(value)


def _measure_name(resource: Resource, measure: Field, lang: str) -> str:
    if lang == "ja":
        return measure.title
    return measure.name.removesuffix("_percent").replace("_", " ")


def unit_label(resource: Resource, measure: Field, lang: str) -> str:
    if lang == "en":
        descriptor: dict[str, Any] = next(
            (f for f in resource.schema.get("fields", []) if f["name"] == measure.name), {}
        )
        return descriptor.get("unitEnglish") or measure.unit or ""
    return measure.unit or ""


def period_label(row: dict[str, Any], lang: str) -> str:
    """The period as the report prints it (Japanese), or in plain English."""
    if lang == "ja":
        for name in LABEL_FIELDS:
            if row.get(name):
                return str(row[name])
    if row.get("term") is not None:
        return f"Term {row['term']}"
    if row.get("call_fiscal_year") is not None:
        return f"FY{row['call_fiscal_year']} call"
    if row.get("period_end") and not row.get("period_start"):
        return f"as of {row['period_end']}"  # a rate as at a day, counted from a start the report omits
    if row.get("period_start") and row.get("period_end"):
        return _english_span(date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"]))
    if row.get("as_of_date"):
        return f"as of {row['as_of_date']}"
    if row.get("event_date"):
        return str(row["event_date"])
    return f"FY{row['fiscal_year']}" if row.get("fiscal_year") is not None else ""


def _english_span(start: date, end: date) -> str:
    if start.month == 4 and start.day == 1:
        if (end.month, end.day, end.year) == (3, 31, start.year + 1):
            return f"FY{start.year}"
        return f"FY{start.year} (to {end.isoformat()})"
    if start.day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{start:%Y-%m}"
    return f"{start.isoformat()} to {end.isoformat()}"


def describe(title: str, unit: str, series: list[Series], lang: str) -> str:
    """The chart in words: every value of every series, for people who cannot see it."""
    if lang == "ja":
        parts = [f"{title}（単位：{unit}）。"]
        for s in series:
            values = "、".join(f"{p} {v or '値なし'}" for p, v in s.values)
            parts.append(f"{s.name}：{values}。")
        return "".join(parts)
    parts = [f"{title} (unit: {unit})."]
    for s in series:
        values = "; ".join(f"{p} {v or 'no value'}" for p, v in s.values)
        parts.append(f"{s.name}: {values}.")
    return " ".join(parts)


def nice_scale(maximum: float, percent: bool) -> tuple[float, float]:
    """A round top for the y axis and a round step between its ticks (about five of them)."""
    if percent and maximum <= 100:
        return 100.0, 20.0
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude)
    return math.ceil(maximum / step) * step, step


def text_width(text: str) -> float:
    """Rendered width in pixels at TEXT_PX, near enough: full-width characters are square."""
    return sum(TEXT_PX if ord(c) > 0x2E80 else TEXT_PX * 0.6 for c in text)


def chart_width(period_labels: list[str], series_count: int) -> int:
    label = max((text_width(line) for p in period_labels for line in _wrap(p)), default=0)
    slot = max(label + 16, series_count * 24, 56)
    return max(WIDTH, math.ceil(LEFT + RIGHT + slot * len(period_labels)))


def _wrap(label: str) -> tuple[str, ...]:
    for mark in ("(", "（", " ("):
        if mark in label and not label.startswith(mark):
            head, _, tail = label.partition(mark)
            return (head.strip(), (mark.strip() + tail).strip())
    return (label,)


def layout(chart: Chart, period_labels: list[str], series: list[Series]) -> None:
    numbers = [_number(v) for s in series for _, v in s.values]
    top_value, step = nice_scale(max((n for n in numbers if n is not None), default=0), chart.unit == "%")
    scale = chart.plot_height / top_value
    ticks = round(top_value / step)
    chart.y_ticks = [
        Tick(chart.top + chart.plot_height - i * step * scale, format_number(_tidy(i * step)))
        for i in range(ticks + 1)
    ]
    group_width = chart.plot_width / len(period_labels)
    bar_width = min(group_width * 0.8 / len(series), MAX_BAR_WIDTH)
    longest = max((text_width(v) for s in series for _, v in s.values), default=0)
    chart.show_values = bar_width >= longest + 2
    for p, period in enumerate(period_labels):
        centre = chart.left + group_width * (p + 0.5)
        chart.x_labels.append(XLabel(centre, _wrap(period)))
        first = centre - bar_width * len(series) / 2
        for s_index, s in enumerate(series):
            value = _number(s.values[p][1])
            if value is None:
                continue
            height = value * scale
            chart.bars.append(
                Bar(
                    x=first + s_index * bar_width + 1,
                    y=chart.top + chart.plot_height - height,
                    width=max(bar_width - 2, 1),
                    height=height,
                    color=s.color,
                    value=s.values[p][1],
                    series=s.name,
                    period=period,
                )
            )


def _number(text: str) -> float | None:
    return float(text.replace(",", "")) if text else None


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)
