"""What a report check finds, and the small readers every check shares."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from opendata.catalog.models import Resource


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    row: int | None = None  # 1-based data row, as frictionless counts (header is row 1)
    field: str | None = None


Row = dict[str, Any]


def read_rows(resource: Resource) -> list[Row]:
    with resource.path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def number(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def wrong_sum(expected: float | None, parts: list[float | None]) -> float | None:
    """The parts' sum when it differs from the total; None when it agrees or a cell is empty."""
    if expected is None or any(p is None for p in parts):
        return None
    actual = sum(p for p in parts if p is not None)
    return actual if abs(actual - expected) > 1e-9 else None
