"""Row counts taken at publish time, so that a filtered total is a lookup instead of a count(*).

A release never changes, so the totals of the filters people use most -- one or two equality
filters on categorical fields (a municipality and a channel) -- can be counted once, when the
release is built, rather than by every worker of every node the first time it meets them.

What is decided here, the same for every backend (the SQL of each lives in its own build and
store modules):

- which fields are *counted* (`Tally`): non-constant fields of a type compared exactly
  (COUNTED_TYPES) with at most COUNTED_MAX_VALUES distinct values, none longer than
  COUNTED_MAX_BYTES; and which pairs of them, by how many combinations they have;
- which queries the counts answer (`lookup`): every filter `eq` or `in`, on one counted field
  or on the two fields of a stored pair.

Each release holds one table (COUNTS_TABLE) of (key, value_a, value_b, n): `key` names one
counted field (its rows have value_b ALONE) or one pair, as TableInfo.counted records. The
build fills it from a `Tally` of the rows it loads, inside the same load as the rest of the
store, so the release is still published whole or not at all.

Nulls are left out: no row with a null in a counted field is counted, and `isnull` filters are
never answered from the table. An `eq` or `in` filter never matches a null, so the counts of
the values are all those filters need, and the table stays as small as it can be.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from opendata.catalog.models import Field
from opendata.query.params import RowQuery

COUNTS_TABLE = "_counts"  # in each release's store: the counts of every counted field and pair
# Types whose values both backends store and compare exactly as the filters do (numbers are
# left out: 7 and 7.0 are one value to SQL, and a float would be counted under its text).
COUNTED_TYPES = frozenset({"string", "integer", "year", "boolean", "date"})
COUNTED_MAX_VALUES = 1_000  # more distinct values than this: not a category, not counted
# A value longer than this is not a category either, and would not fit PostgreSQL's index
# entry (two values and a key in at most 2,704 bytes). In UTF-8 bytes, as the stores hold text.
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
TALLY_BATCH = 100_000  # rows grouped at a time: Arrow's overhead per batch is small beside it


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


class CountRow(NamedTuple):
    """One count: the rows holding value_a in field_a (and value_b in field_b, for a pair;
    field_b None and value_b ALONE for one field). Values are as the build stores them in
    their columns, so a backend writes each in the form its field's filters are looked up."""

    key: int
    field_a: str
    value_a: Any
    field_b: str | None
    value_b: Any
    n: int


class Tally:
    """The counts of one resource, taken while its rows are loaded: one pass over the rows the
    build reads anyway, grouped by Arrow a batch at a time, instead of a GROUP BY over the table
    per field and per pair (at 1M rows, those 28 queries took as long as the load itself, and
    counting in Python three times as long as Arrow).

    `fields` names the candidates and `positions` where each stands in the rows given to `add`
    (`of` picks them). A field past COUNTED_MAX_VALUES values, and a pair past
    PAIR_MAX_COMBINATIONS combinations, is dropped as soon as it is, so what is held stays
    bounded by those numbers.
    """

    def __init__(self, fields: Sequence[str], positions: Sequence[int]) -> None:
        self.fields = list(fields)
        self.positions = list(positions)
        self.values: dict[int, Counter[Any]] = {i: Counter() for i in range(len(self.fields))}
        self.pairs: dict[tuple[int, int], Counter[tuple[Any, Any]]] = {
            pair: Counter() for pair in itertools.combinations(range(len(self.fields)), 2)
        }
        self.pending: dict[int, list[Any]] = {i: [] for i in self.values}

    @classmethod
    def of(cls, fields: Sequence[Field]) -> Tally:
        """The tally of the fields of COUNTED_TYPES among `fields`, the columns of the rows."""
        picked = [(f.name, i) for i, f in enumerate(fields) if f.type in COUNTED_TYPES]
        return cls([name for name, _ in picked], [i for _, i in picked])

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        """Count rows (each as the build stores it, nulls as None); the caller may reuse them."""
        for i in self.values:
            position = self.positions[i]
            self.pending[i].extend([row[position] for row in rows])
        if self.values and len(self.pending[next(iter(self.values))]) >= TALLY_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa  # here: only a build counts, and a server need not load Arrow

        arrays = {}
        for i in list(self.values):
            column, self.pending[i] = self.pending[i], []
            try:
                array = pa.array(column)
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                # Values Arrow cannot hold in one column (an integer past 64 bits, mixed types):
                # the field is left to count(*) rather than failing the publish.
                self._drop(i)
                continue
            if array.null_count == len(array):  # nothing to group (Arrow's null type has no groups)
                self.values[i][None] += len(array)
            elif array:
                arrays[str(i)] = array
        if not arrays:
            return
        table = pa.table(arrays)
        for i in [i for i in list(self.values) if str(i) in arrays]:
            _merge(self.values[i], table, [str(i)])
            if len(self.values[i]) > COUNTED_MAX_VALUES + 1:  # + 1: the null
                self._drop(i)
        for i, j in [(i, j) for i, j in list(self.pairs) if str(i) in arrays and str(j) in arrays]:
            if (i, j) not in self.pairs:
                continue
            _merge(self.pairs[(i, j)], table, [str(i), str(j)])
            # Beside the bound's combinations: those of a null with a value, or both null.
            if len(self.pairs[(i, j)]) > PAIR_MAX_COMBINATIONS + 2 * COUNTED_MAX_VALUES + 1:
                del self.pairs[(i, j)]

    def _drop(self, i: int) -> None:
        del self.values[i]
        for pair in [pair for pair in self.pairs if i in pair]:
            del self.pairs[pair]

    def finish(self, row_count: int, keys: Iterator[int]) -> tuple[Counted, list[CountRow]]:
        """What is counted, and its counts as rows (see CountRow), keyed by numbers from `keys`.
        Nulls are left out (see the module's docstring). A field with one
        value and no null, or with none at all, is a constant: not counted."""
        self._flush()
        fields: dict[str, int] = {}
        rows: list[CountRow] = []
        for i, counter in self.values.items():
            name = self.fields[i]
            values = [v for v in counter if v is not None]
            constant = not values or (len(values) == 1 and None not in counter)
            if constant or len(values) > COUNTED_MAX_VALUES or max(map(_size, values)) > COUNTED_MAX_BYTES:
                continue
            fields[name] = key = next(keys)
            rows.extend(CountRow(key, name, v, None, ALONE, counter[v]) for v in values)
        bound = min(PAIR_MAX_COMBINATIONS, max(PAIR_SMALL, row_count // PAIR_MIN_ROWS))
        pairs: dict[tuple[str, str], int] = {}
        for (i, j), combinations in self.pairs.items():
            a, b = self.fields[i], self.fields[j]
            if a not in fields or b not in fields:
                continue
            found = [(va, vb, n) for (va, vb), n in combinations.items() if va is not None and vb is not None]
            if len(found) > bound:
                continue
            pairs[(a, b)] = key = next(keys)
            rows.extend(CountRow(key, a, va, b, vb, n) for va, vb, n in found)
        return Counted(fields, pairs), rows


def _merge(counter: Counter[Any], table: Any, names: list[str]) -> None:
    """Add the row counts of `table`'s groups by `names` (a value, or a tuple of two)."""
    grouped = table.group_by(names).aggregate([([], "count_all")])
    counts = grouped.column("count_all").to_pylist()
    keys = [grouped.column(n).to_pylist() for n in names]
    counter.update(dict(zip(keys[0] if len(names) == 1 else zip(*keys, strict=True), counts, strict=True)))


def _size(value: Any) -> int:
    return len(value.encode()) if isinstance(value, str) else len(str(value))
