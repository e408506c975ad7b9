"""Report checks of long tables, keys and codes.

`sum-long` and `ordered-long` are the wide rules `sum` and `ordered` for a long table, where
each observation is a row and one column (the category) says which part it is, within each
group of rows sharing the `by` columns. The local government code's check digit, the
documented pivot and the names carried beside a foreign key are checked wherever they occur.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from opendata.catalog.findings import Finding, Row, read_rows, wrong_sum
from opendata.catalog.findings import number as _number
from opendata.catalog.models import Resource
from opendata.catalog.pivot import pivot
from opendata.errors import PackageError


def _groups(rule: dict[str, Any], rows: list[Row]) -> dict[tuple[Any, ...], dict[str, tuple[int, Row]]]:
    """Rows of a long table grouped by the `by` columns, each group keyed by its category."""
    groups: dict[tuple[Any, ...], dict[str, tuple[int, Row]]] = {}
    for number, row in enumerate(rows, start=2):
        key = tuple(row.get(name) for name in rule["by"])
        groups.setdefault(key, {})[row.get(rule["category"], "")] = (number, row)
    return groups


def _where(rule: dict[str, Any], key: tuple[Any, ...]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(rule["by"], key, strict=True))


def check_sum_long(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    """In each group, the row whose category is `total` equals the sum of the `parts` rows."""
    value, wanted = rule["value"], [rule["total"], *rule["parts"]]
    for key, by_category in _groups(rule, rows).items():
        missing = [c for c in wanted if c not in by_category]
        if missing:
            yield Finding("sum-long", f"{_where(rule, key)}: rows {missing} named by the rule are missing")
            continue
        number, total_row = by_category[rule["total"]]
        expected = _number(total_row.get(value))
        actual = wrong_sum(expected, [_number(by_category[c][1].get(value)) for c in rule["parts"]])
        if actual is not None:
            yield Finding(
                "sum-long",
                f"{_where(rule, key)}: {rule['total']} is {expected:g} "
                f"but {' + '.join(rule['parts'])} is {actual:g}",
                number,
                value,
            )


def check_ordered_long(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    """In each group, the `lower` category's row is at most the `upper` one's, field by field."""
    for key, by_category in _groups(rule, rows).items():
        if rule["lower"] not in by_category or rule["upper"] not in by_category:
            continue
        number, low_row = by_category[rule["lower"]]
        high_row = by_category[rule["upper"]][1]
        for name in rule["fields"]:
            low, high = _number(low_row.get(name)), _number(high_row.get(name))
            if low is not None and high is not None and low > high:
                yield Finding(
                    "ordered-long",
                    f"{_where(rule, key)}: {name} of {rule['lower']} ({low:g}) "
                    f"is greater than that of {rule['upper']} ({high:g})",
                    number,
                    name,
                )


def check_one_label(rule: dict[str, Any], rows: list[Row]) -> Iterator[Finding]:
    """Each identifier (`id`) has one printed label in each `labels` field, on every row."""
    seen: dict[tuple[str, Any], Any] = {}
    for number, row in enumerate(rows, start=2):
        identifier = row.get(rule["id"])
        for label in rule["labels"]:
            first = seen.setdefault((label, identifier), row.get(label))
            if row.get(label) != first:
                yield Finding(
                    "one-label",
                    f"{rule['id']} {identifier!r} is labelled {first!r} above, {row.get(label)!r} here",
                    number,
                    label,
                )


CHECK_DIGIT_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code: str) -> str:
    """The sixth digit of a 全国地方公共団体コード: 11 minus the weighted sum mod 11, last digit."""
    total = sum(int(digit) * weight for digit, weight in zip(code[:5], CHECK_DIGIT_WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def _wrong_check_digit(code: Any) -> str | None:
    """The digit a well-formed code should end in, when it ends in another; else None."""
    if not isinstance(code, str) or len(code) != 6 or not code.isascii() or not code.isdigit():
        return None  # the schema's pattern reports the malformed ones
    return None if code[5] == check_digit(code) else check_digit(code)


def check_local_government_codes(rows: list[Row]) -> Iterator[Finding]:
    """Every local government code ends in the check digit its first five digits give."""
    for number, row in enumerate(rows, start=2):
        code = row.get("local_government_code")
        digit = _wrong_check_digit(code)
        if digit is not None:
            yield Finding(
                "check-digit",
                f"local_government_code {code} should end in {digit}",
                number,
                "local_government_code",
            )


def check_descriptor_codes(descriptor: dict[str, Any]) -> list[Finding]:
    """The codes a descriptor names (spatial coverage, publisher) pass the same check digit."""
    findings = []
    for key in ("spatial", "publisher"):
        part = descriptor.get(key)
        code = part.get("localGovernmentCode") if isinstance(part, dict) else None
        digit = _wrong_check_digit(code)
        if digit is not None:
            message = f"{key}.localGovernmentCode {code} should end in {digit}"
            findings.append(Finding("check-digit", message, None, f"{key}.localGovernmentCode"))
    return findings


def check_pivot(resource: Resource, rows: list[Row]) -> Iterator[Finding]:
    """The documented pivot names real fields and gives one cell per row and column."""
    if resource.pivot is None:
        return
    unknown = [n for n in resource.pivot.fields() if n not in resource.field_names]
    if unknown:
        yield Finding("pivot", f"pivot names fields the schema does not have: {unknown}")
        return
    try:
        pivot(resource.pivot, rows)
    except PackageError as exc:
        yield Finding("pivot", exc.detail)


def check_reference_names(resource: Resource, target: Resource) -> list[Finding]:
    """Names carried beside a foreign key (service_name beside service_id) are the referenced row's.

    frictionless checks that the id exists; this checks that the human name shown with it is
    that row's name, so a reader of one table is never told a different name than the other.
    """
    findings: list[Finding] = []
    for key in resource.schema.get("foreignKeys", []):
        if key.get("reference", {}).get("resource") != target.name:
            continue
        fields, target_fields = _as_list(key.get("fields")), _as_list(key["reference"].get("fields"))
        shared = [
            n
            for n in resource.field_names
            if n in target.field_names and n not in fields and not n.startswith("local_government_")
        ]
        try:
            referenced = {tuple(r.get(f) for f in target_fields): r for r in read_rows(target)}
            rows = read_rows(resource)
        except (OSError, UnicodeDecodeError, csv.Error):
            return findings  # frictionless reports unreadable files
        for number, row in enumerate(rows, start=2):
            other = referenced.get(tuple(row.get(f) for f in fields))
            if other is None:
                continue  # frictionless reports the missing reference
            for name in shared:
                if row.get(name) != other.get(name):
                    findings.append(
                        Finding(
                            "reference-name",
                            f"{name} is {row.get(name)!r} but {target.name} gives {other.get(name)!r}",
                            number,
                            name,
                        )
                    )
    return findings


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])
