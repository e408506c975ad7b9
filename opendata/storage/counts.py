"""Row counts taken at publish time, so that a filtered total is a lookup instead of a count(*).

A release never changes, so the totals of the filters people use most -- one or two equality
filters on categorical fields (a municipality and a channel) -- can be counted once, when the
release is built, rather than by every worker of every node the first time it meets them.

What is decided here, the same for every backend (the SQL of each lives in its own build and
store modules):

- which fields are *counted* (`choose`): non-constant fields of a type compared exactly
  (COUNTED_TYPES) with at most COUNTED_MAX_VALUES distinct values, none longer than
  COUNTED_MAX_BYTES; and which pairs of them, by how many combinations they have;
- which queries the counts answer (`lookup`): every filter `eq` or `in`, on one counted field
  or on the two fields of a stored pair.

Each release holds one table (COUNTS_TABLE) of (key, value_a, value_b, n): `key` names one
counted field (its rows have value_b ALONE) or one pair, as TableInfo.counted records.

Nulls are left out: no row with a null in a counted field is counted, and `isnull` filters are
never answered from the table. An `eq` or `in` filter never matches a null, so the counts of
the values are all those filters need, and the table stays as small as it can be.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from opendata.query.params import RowQuery

COUNTS_TABLE = "_counts"  # in each release's store: the counts of every counted field and pair
# Types whose values both backends store and compare exactly as the filters do (numbers are
# left out: 7 and 7.0 are one value to SQL, and a float would be counted under its text).
COUNTED_TYPES = frozenset({"string", "integer", "year", "boolean", "date"})
COUNTED_MAX_VALUES = 1_000  # more distinct values than this: not a category, not counted
# A value longer than this is not a category either, and would not fit PostgreSQL's index
# entry (two values and a key in at most 2,704 bytes).
COUNTED_MAX_BYTES = 500
PAIR_MAX_COMBINATIONS = 100_000
# Past PAIR_SMALL combinations, a pair is stored only when they hold PAIR_MIN_ROWS rows each on
# average, which keeps the table a small part of the store (at most 1/20 of the rows a pair):
# a field near the value bound paired with another (a count of people x a municipality) would
# otherwise cost more than the table it counts. Such a pair's total is left to count(*).
PAIR_SMALL = 1_000
PAIR_MIN_ROWS = 20
ALONE = ""  # value_b of a one-field count (no counted value is empty: empty text is null)
FILTERS = ("eq", "in")


@dataclass(frozen=True)
class Counted:
    """What a resource's counts hold: the key of each counted field, and of each stored pair
    (its two fields in the resource's order)."""

    fields: Mapping[str, int] = field(default_factory=dict)
    pairs: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def to_json(self) -> str:
        pairs = [[a, b, key] for (a, b), key in self.pairs.items()]
        return orjson.dumps({"fields": dict(self.fields), "pairs": pairs}).decode()

    @classmethod
    def from_json(cls, text: str | None) -> Counted:
        if not text:
            return cls()
        data = orjson.loads(text)
        return cls(dict(data["fields"]), {(a, b): key for a, b, key in data["pairs"]})


@dataclass(frozen=True)
class Lookup:
    """A query answered from the counts: sum(n) over the rows of `key` whose values are among
    `values` (one tuple per field of `fields`, in the order the key stores them)."""

    key: int
    fields: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]


def lookup(query: RowQuery, counted: Counted) -> Lookup | None:
    """How to answer `query`'s total from the counts, or None when they do not hold it."""
    if not counted.fields or not 0 < len(query.filters) <= 2:
        return None
    wanted: dict[str, tuple[Any, ...]] = {}
    for f in query.filters:
        if f.op not in FILTERS or f.field not in counted.fields or f.field in wanted:
            return None  # a field filtered twice is left to count(*) rather than intersected here
        values = tuple(f.value) if f.op == "in" else (f.value,)
        if not values:
            return None
        wanted[f.field] = values
    names = list(wanted)
    if len(names) == 1:
        return Lookup(counted.fields[names[0]], (names[0],), (wanted[names[0]],))
    for a, b in (names, names[::-1]):
        key = counted.pairs.get((a, b))
        if key is not None:
            return Lookup(key, (a, b), (wanted[a], wanted[b]))
    return None


class CountWriter(Protocol):
    """A backend's SQL for one resource's counts, as `choose` drives it."""

    def distinct(self, name: str, limit: int) -> tuple[int, int]:
        """The field's number of distinct non-null values, counting no further than `limit`,
        and the length in bytes of the longest of those."""
        ...

    def count_values(self, name: str, key: int) -> None:
        """Write the row count of every non-null value of the field under `key`."""
        ...

    def count_pairs(self, a: str, b: str, key: int, limit: int) -> int:
        """Write the row count of every combination of non-null values of fields a and b under
        `key`, at most `limit` of them; say how many were written."""
        ...

    def discard(self, key: int) -> None:
        """Remove the rows written under `key`."""
        ...


def choose(
    names: Sequence[str], nullable: frozenset[str], row_count: int, keys: Iterator[int], writer: CountWriter
) -> Counted:
    """Pick the counted fields among `names` (candidates, see `candidates`) and the pairs of them
    worth storing, and have `writer` write their counts, keyed by numbers drawn from `keys`.

    A field with one value and no null, or none at all, is a constant: not counted. A pair is
    written with LIMIT bound + 1 (one pass over the rows), and removed when that many came.
    """
    fields: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for name in names:
        found, longest = writer.distinct(name, COUNTED_MAX_VALUES + 1)
        constant = found == 0 or (found == 1 and name not in nullable)
        if constant or found > COUNTED_MAX_VALUES or longest > COUNTED_MAX_BYTES:
            continue
        fields[name], sizes[name] = next(keys), found
        writer.count_values(name, fields[name])
    bound = min(PAIR_MAX_COMBINATIONS, max(PAIR_SMALL, row_count // PAIR_MIN_ROWS))
    pairs: dict[tuple[str, str], int] = {}
    for a, b in itertools.combinations(fields, 2):
        if max(sizes[a], sizes[b]) > bound:
            continue  # a pair has at least as many combinations as either field has values
        key = next(keys)
        if writer.count_pairs(a, b, key, bound + 1) <= bound:
            pairs[(a, b)] = key
        else:
            writer.discard(key)
    return Counted(fields, pairs)


def candidates(types: Mapping[str, str], constant: frozenset[str] = frozenset()) -> list[str]:
    """The fields that may be counted, in the resource's order: `types` maps each field to its
    Table Schema type; `constant` names the fields a backend already knows hold one value."""
    return [n for n, kind in types.items() if kind in COUNTED_TYPES and n not in constant]
