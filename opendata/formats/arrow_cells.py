"""Cells of Arrow columns made once per distinct value, then laid out row by row by Arrow.

A writer gives each column a function from a stored value to its cell (an XLSX cell's XML, a
CSV field); a batch's rows are then the cells of their values, taken by Arrow, and joined
element-wise: no Python code per row, and per batch only for values not seen before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# Columns whose cells a process keeps between exports (least recently used out), of dictionaries
# of at most MEMO_ENTRIES values and MEMO_BYTES of them: some tens of MB at the very most.
MEMO_COLUMNS = 64
MEMO_ENTRIES = 4096
MEMO_BYTES = 65_536
IDENTITY = "opendata:columns"  # schema metadata naming the published table (digest/resource) of a batch


@dataclass
class _Made:
    dictionary: Any = None  # the dictionary the cells are of (None: the batch's own values)
    made: list[str | None] = field(default_factory=list)  # each entry's cell, once made
    tails: Any = None  # `made` as an Arrow array, once built
    kept: list[str | None] | None = None  # the list kept between exports, filled in as `made` is


_memo: OrderedDict[Hashable, _Made] = OrderedDict()
_memo_lock = threading.Lock()


def identity(batch: Any) -> bytes | None:
    """The name of the published table a batch was taken from (see opendata.storage.columns)."""
    metadata = batch.schema.metadata or {}
    return metadata.get(IDENTITY.encode())


class DistinctCells:
    """One column's cells, made once per distinct value: by dictionary entry for a dictionary
    column (kept while the batches share their dictionary, as the columns of one table do),
    else per batch. `codec` makes them bytes in that encoding instead of text.

    With a `memo` key (naming the published table, the field and everything the cells depend
    on), a dictionary column's cells are kept for the next export too: a release never
    changes, so neither do they. Not for cells that depend on the export (shared strings)."""

    def __init__(
        self,
        tail: Callable[[Any], str],
        ordered: bool = False,
        codec: str | None = None,
        memo: Hashable | None = None,
    ) -> None:
        self.tail = tail  # a value's cell (best cached by value: it is asked once per batch)
        self.ordered = ordered  # made in the order of their first rows, by the caller (see prepare)
        self.codec = codec
        self.memo = memo
        self.empty = self._typed([tail(None)])[0]
        self.state = _Made()

    def prepare(self, column: Any) -> tuple[Any, list[tuple[int, int, Callable[[], None]]]]:
        """(this batch's indices, the tails still to make: (first row, entry, make))."""
        if not pa.types.is_dictionary(column.type):
            encoded = pc.dictionary_encode(column)
            values = encoded.dictionary.to_pylist()
            self.state = _Made(None, [None] * len(values))
            return encoded.indices, self._pending(encoded.indices, values, range(len(values)))
        if self.state.dictionary is None or not column.dictionary.equals(self.state.dictionary):
            self.state = self._remembered(column.dictionary)
        state = self.state
        present = [
            e for e in pc.unique(column.indices).to_pylist() if e is not None and state.made[e] is None
        ]
        if not present:
            return column.indices, []
        values = state.dictionary.take(pa.array(present, pa.int32())).to_pylist()
        state.tails = None
        return column.indices, self._pending(column.indices, dict(zip(present, values, strict=True)), present)

    def _remembered(self, dictionary: Any) -> _Made:
        """The cells kept for this dictionary, as this export's own copy: its entries are filled
        in for the next export too, but its Arrow array of them is built by each export, so an
        export on another thread never takes an array that lacks entries it counts as made."""
        fresh = _Made(dictionary, [None] * len(dictionary))
        if self.memo is None or len(dictionary) > MEMO_ENTRIES or dictionary.nbytes > MEMO_BYTES:
            return fresh
        with _memo_lock:
            kept = _memo.get(self.memo)
            if kept is not None and kept.dictionary.equals(dictionary):
                _memo.move_to_end(self.memo)
                return _Made(dictionary, list(kept.made), kept=kept.made)
            fresh.kept = list(fresh.made)
            _memo[self.memo] = _Made(dictionary, fresh.kept)
            while len(_memo) > MEMO_COLUMNS:
                _memo.popitem(last=False)
        return fresh

    def _pending(self, indices: Any, values: Any, entries: Any) -> list[tuple[int, int, Callable[[], None]]]:
        def maker(entry: int) -> Callable[[], None]:
            def make() -> None:
                state = self.state
                state.made[entry] = self.tail(values[entry])
                if state.kept is not None:  # a text once made never changes: safe to share
                    state.kept[entry] = state.made[entry]

            return make

        if not self.ordered:
            for entry in entries:
                maker(entry)()
            return []
        wanted = set(entries)
        return [
            (row, entry, maker(entry))
            for entry, row in zip(*first_rows(indices), strict=True)
            if entry in wanted
        ]

    def cells(self, indices: Any) -> Any:
        """Each row's cell: the cells of its values, taken by the batch's indices."""
        state = self.state
        if state.tails is None:
            state.tails = self._typed([m or "" for m in state.made])
        return pc.fill_null(state.tails.take(indices), self.empty)

    def _typed(self, cells: list[str]) -> Any:
        if self.codec is None:
            return pa.array(cells, pa.string())
        return pa.array([c.encode(self.codec) for c in cells], pa.binary())


def first_rows(indices: Any) -> tuple[list[int], list[int]]:
    """Each index present and the first row it is in: a stable sort, then each run's first."""
    valid = len(indices) - indices.null_count
    if not valid:
        return [], []
    order = pc.array_sort_indices(indices, null_placement="at_end").slice(0, valid)
    ordered = indices.take(order)
    starts = pa.concat_arrays([pa.array([True]), pc.not_equal(ordered.slice(1), ordered.slice(0, valid - 1))])
    return pc.filter(ordered, starts).to_pylist(), pc.filter(order, starts).to_pylist()


ARRAY_BYTES = 2**31 - 1  # the most an Arrow string array (32-bit offsets) holds


def joined_rows(pieces: Sequence[Any], separator: Any) -> bytes | memoryview:
    """The rows of `pieces` (arrays of one length, or scalars) joined element-wise with
    `separator` between them, end to end. Rows of more than ARRAY_BYTES in all are joined a
    half at a time (an XLSX or CSV batch of very long texts), so a long batch never fails."""
    try:
        return data_of(pc.binary_join_element_wise(*pieces, separator))
    except (pa.ArrowCapacityError, pa.ArrowInvalid):
        arrays = [p for p in (*pieces, separator) if isinstance(p, pa.Array)]
        length = len(arrays[0]) if arrays else 0
        if length < 2 or sum(a.nbytes for a in arrays) <= ARRAY_BYTES:
            raise  # not the size: a real error
    half = length // 2

    def part(start: int, size: int | None) -> bytes:
        def cut(piece: Any) -> Any:
            return piece.slice(start, size) if isinstance(piece, pa.Array) else piece

        return bytes(joined_rows([cut(p) for p in pieces], cut(separator)))

    return part(0, half) + part(half, None)


def data_of(strings: Any) -> memoryview:
    """The values of an Arrow string (or binary) array end to end: its data buffer, not copied."""
    offsets, data = strings.buffers()[1], strings.buffers()[2]
    bounds = memoryview(offsets).cast("i")
    start, end = bounds[strings.offset], bounds[strings.offset + len(strings)]
    return memoryview(data)[start:end] if data is not None else memoryview(b"")
