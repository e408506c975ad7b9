"""The tally of counted fields on values Arrow cannot group: left out, never a failed publish."""

from __future__ import annotations

import itertools

from opendata.catalog.models import Field
from opendata.storage.counts import Tally


def _fields(*pairs):
    return [Field(name, kind, name, "", None, {}) for name, kind in pairs]


def test_a_field_arrow_cannot_hold_is_not_counted_and_the_others_are():
    tally = Tally.of(_fields(("big", "integer"), ("label", "string")))
    rows = [(2**70 + i % 3, "ab"[i % 2]) for i in range(100)]  # integers past 64 bits
    tally.add(rows)
    counted, counts = tally.finish(len(rows), itertools.count(1))
    assert list(counted.fields) == ["label"] and not counted.pairs
    assert sorted((c.value_a, c.n) for c in counts) == [("a", 50), ("b", 50)]
