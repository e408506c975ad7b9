"""A release's tables as Arrow columns, for the exports that read every matching row.

Reading 100,000 rows of 11 values out of a database into Python costs a Python object per
value (0.2–0.3 s here), more than a whole XLSX of them may take. So publishing also writes
each table's stored values, in their row order, as one Arrow IPC file (COLUMNS_DIR), read by
memory map: an export asks the store only for the positions of its rows (one integer each)
and takes its values from the columns (opendata.query.engine.Engine.iter_columns), where
Arrow keeps them typed and a repeated text is a small integer into its dictionary.

The file holds exactly what the store gives back (it is written from the store's own rows,
once the store is built), so an export reads the same values either way. A table whose
values Arrow cannot hold as they are stored (a number field mixing 7 and 85.0, which one
Arrow type would make both floats; an integer past 64 bits) gets no file, and its exports
read rows as before.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from opendata.catalog.models import Package, Resource
from opendata.formats.arrow_cells import IDENTITY

COLUMNS_DIR = "columns"  # in each release folder: <resource>.arrow
DICTIONARY_MAX = 32_767  # distinct texts kept as a dictionary (int16 indices); more: plain text
BUILD_BATCH = 65_536  # rows read from the store at once while writing
# Positions asked for in one statement, in file order: each statement well within a time limit
# even with the table read from disk (262,144 took 1.8 s there for a whole 1M-row table).
POSITION_SPAN = 32_768
OPEN_FILES = 64  # memory maps kept open per process (least recently used closed first)
INT_TYPES = ((-(2**7), 2**7 - 1, "int8"), (-(2**15), 2**15 - 1, "int16"), (-(2**31), 2**31 - 1, "int32"))
INT64 = (-(2**63), 2**63 - 1)

Batches = Callable[[], Iterable[Sequence[Sequence[Any]]]]


def columns_path(package: Package, resource: Resource) -> Path:
    return package.directory / COLUMNS_DIR / f"{resource.name}.arrow"


class _Column:
    """What one field's values are, learnt in a first pass: the Arrow type they need."""

    def __init__(self) -> None:
        self.kinds: set[type] = set()
        self.low: int | None = None
        self.high: int | None = None
        # Each distinct value's dictionary entry, while few enough for a dictionary.
        self.texts: dict[Any, int] | None = {}

    def see(self, values: Sequence[Any]) -> None:
        kinds = {type(v) for v in values}
        kinds.discard(type(None))
        self.kinds |= kinds
        if kinds & {int, bool}:
            numbers = [v for v in values if isinstance(v, int)]
            low, high = min(numbers), max(numbers)
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)
        if self.texts is not None:
            for v in values:
                if v is not None and (key := _key(v)) not in self.texts:
                    if len(self.texts) >= DICTIONARY_MAX:
                        self.texts = None  # too many to gain from a dictionary
                        break
                    self.texts[key] = len(self.texts)

    def arrow_type(self) -> Any:
        """The type holding every value as stored, or None when no one type does."""
        import pyarrow as pa

        if not self.kinds:
            return pa.int8()  # no value at all: nulls
        if self.kinds == {bool}:
            return pa.bool_()
        if self.kinds <= {int, bool}:
            assert self.low is not None and self.high is not None
            if self.low < INT64[0] or self.high > INT64[1]:
                return None
            narrow = (getattr(pa, n)() for low, high, n in INT_TYPES if low <= self.low and self.high <= high)
            kind = next(narrow, pa.int64())
        elif self.kinds == {float}:
            kind = pa.float64()
        elif self.kinds == {str}:
            kind = pa.string() if self.texts is not None else pa.large_string()
        else:
            return None  # mixed: 7 and 85.0, or text among numbers
        # A dictionary: each distinct value once, and an export makes each value's cell once.
        return pa.dictionary(pa.int16(), kind) if self.texts is not None else kind


def write_columns(names: Sequence[str], batches: Batches, path: Path, identity: str = "") -> bool:
    """Write the rows `batches()` gives (twice: once to learn the types) as the Arrow file
    `path`, one record batch, its schema's metadata naming the table (`identity`, kept by
    every batch taken from it). False, writing nothing, when some field's values need more
    than one Arrow type."""
    import pyarrow as pa

    columns = [_Column() for _ in names]
    for batch in batches():
        for i, column in enumerate(columns):
            column.see([row[i] for row in batch])
    types = [c.arrow_type() for c in columns]
    if any(t is None for t in types):
        return False
    dictionaries = [
        pa.array([_value(k) for k in c.texts or ()], t.value_type) if pa.types.is_dictionary(t) else None
        for c, t in zip(columns, types, strict=True)
    ]
    parts: list[list[Any]] = [[] for _ in names]
    try:
        for batch in batches():
            for i, kind in enumerate(types):
                parts[i].append(_array([row[i] for row in batch], kind, dictionaries[i], columns[i].texts))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return False  # values the first pass could not tell apart (True among integers)
    arrays = [pa.concat_arrays(p) if p else pa.array([], t) for p, t in zip(parts, types, strict=True)]
    table = pa.table(arrays, names=list(names), metadata={IDENTITY: identity} if identity else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(len(table), 1))  # one batch: take() is fastest
    return True


def _key(value: Any) -> Any:
    """A value as a dictionary key: a float with its sign, so 0.0 and -0.0 stay two entries
    (equal as numbers, not as written)."""
    return (value, math.copysign(1.0, value)) if isinstance(value, float) else value


def _value(key: Any) -> Any:
    return key[0] if isinstance(key, tuple) else key


def _array(values: list[Any], kind: Any, dictionary: Any, entries: dict[Any, int] | None) -> Any:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        assert entries is not None
        indices = pa.array([None if v is None else entries[_key(v)] for v in values], pa.int16())
        return pa.DictionaryArray.from_arrays(indices, dictionary)
    return pa.array(values, kind)


class ColumnFiles:
    """The columns of published tables, memory-mapped once per process and path (the pages
    are the operating system's, shared by every worker)."""

    def __init__(self, size: int = OPEN_FILES) -> None:
        self.size = size
        self._open: OrderedDict[tuple[int, Path], Any] = OrderedDict()
        self._lock = threading.Lock()

    def table(self, path: Path) -> Any | None:
        """The Arrow table of `path`, or None when the release has no columns for it."""
        key = (os.getpid(), path)
        with self._lock:
            found = self._open.get(key)
            if found is not None:
                self._open.move_to_end(key)
                return found
        if not path.is_file():
            return None
        import pyarrow as pa

        with pa.memory_map(str(path)) as source:
            found = pa.ipc.open_file(source).read_all()  # zero-copy: its buffers are the map
        with self._lock:
            self._open[key] = found
            while len(self._open) > self.size:
                self._open.popitem(last=False)
        return found


def take(table: Any, names: Sequence[str], positions: Iterable[Any], batch: int) -> Iterator[Any]:
    """The rows at `positions` (Arrow arrays of 1-based positions, in the order given) of the
    fields `names`, as Arrow record batches of `batch` rows (the last fewer), however many
    positions each array holds: a writer's work per batch stays the same."""
    import pyarrow as pa
    import pyarrow.compute as pc

    selected = table.select(list(names))
    pending: list[Any] = []
    held = 0
    for chunk in positions:
        pending.append(chunk)
        held += len(chunk)
        if held < batch:
            continue
        joined = pa.concat_arrays(pending)
        whole = len(joined) - len(joined) % batch
        for start in range(0, whole, batch):
            yield from selected.take(pc.subtract(joined.slice(start, batch), 1)).combine_chunks().to_batches()
        pending, held = [joined.slice(whole)], len(joined) - whole
    if held:
        rest = pa.concat_arrays(pending)
        yield from selected.take(pc.subtract(rest, 1)).combine_chunks().to_batches()


def spans(span: Callable[[int], Any], rows: int, time_limit: Callable[[], Any]) -> Iterator[Any]:
    """`span(low)` for low = 1, 1 + POSITION_SPAN … up to `rows`: the first now (under the
    caller's time limit), each later one when wanted, under a time limit of its own."""
    first = span(1)

    def later() -> Iterator[Any]:
        yield first
        for low in range(1 + POSITION_SPAN, rows + 1, POSITION_SPAN):
            with time_limit():
                found = span(low)
            yield found

    return later()


def position_batches(rows: Iterable[Sequence[Sequence[int]]]) -> Iterator[Any]:
    """Batches of one-position rows as Arrow int64 arrays."""
    import pyarrow as pa

    return (pa.array([p for (p,) in batch], pa.int64()) for batch in rows)


def parse_positions(text: str | None) -> Any:
    """The positions a database wrote as one comma-separated text (its fastest way to hand
    over many integers), as an Arrow int64 array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not text:
        return pa.array([], pa.int64())
    return pc.cast(pc.split_pattern(pa.array([text]), ",").flatten(), pa.int64())


def sorted_positions(positions: Any) -> Any:
    import pyarrow.compute as pc

    return positions.take(pc.array_sort_indices(positions))
