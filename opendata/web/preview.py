"""The dataset page's table preview: server-side sorting and numbered pages over keyset paging.

Pages are numbered for people ("page 3 of 4"), but each is fetched the way the API pages:
parse_query for the sort, then Engine.page following cursors from the first page. The walk
is bounded by the preview's size (MAX_PAGES pages of PAGE_SIZE rows); past that, people are
pointed to the downloads and the API, which serve every row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from opendata.catalog.models import Field, Package, Resource
from opendata.errors import InvalidParameter
from opendata.numbers import parse_int
from opendata.query.engine import Engine
from opendata.query.params import Sort, parse_query
from opendata.query.summary import Summaries

FILTER_PREFIX = "f_"  # a preview filter is ?f_<field>=<value>: an equality filter on the rows
FACET_TYPES = frozenset({"string", "boolean", "integer", "year", "date"})


@dataclass(frozen=True)
class FacetValue:
    value: str  # as a filter takes it
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    field: Field
    values: list[FacetValue]


@dataclass(frozen=True)
class Preview:
    resource: Resource
    fields: tuple[Field, ...]
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int  # pages the preview can show
    page_size: int
    sort: tuple[Sort, ...]
    truncated: bool  # the table has more rows than the preview shows
    filters: tuple[tuple[str, str], ...] = ()  # (field, value) equality filters, as asked
    facets: tuple[Facet, ...] = ()

    @property
    def filter_args(self) -> dict[str, str]:
        """The filters as query arguments, so sorting and paging keep them."""
        return {FILTER_PREFIX + name: value for name, value in self.filters}

    def facet_args(self, name: str, value: str) -> dict[str, str]:
        """The filters after a click on `value` of `name`: selects it, or clears it when selected."""
        kept = {k: v for k, v in self.filters if k != name}
        if (name, value) not in self.filters:
            kept[name] = value
        return {FILTER_PREFIX + k: v for k, v in kept.items()}

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1 if self.rows else 0

    @property
    def sort_param(self) -> str | None:
        return ",".join(("-" if s.descending else "") + s.field for s in self.sort) or None

    def sort_state(self, name: str) -> str | None:
        """'ascending' or 'descending' when the table is sorted by `name` (for aria-sort)."""
        for s in self.sort[:1]:
            if s.field == name:
                return "descending" if s.descending else "ascending"
        return None

    def sort_link(self, name: str) -> str:
        """The sort a click on a column header asks for: ascending first, then it toggles."""
        return f"-{name}" if self.sort_state(name) == "ascending" else name

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """First, last and the pages near the current one; None marks a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for n in sorted(p for p in wanted if 1 <= p <= self.pages):
            if numbers and n - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def parse_page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    try:
        return parse_int(raw, minimum=1)
    except ValueError:
        raise InvalidParameter(f"page: {raw!r} is not a page number (from 1)", parameter="page") from None


def build_preview(
    engine: Engine,
    package: Package,
    resource: Resource,
    *,
    sort: str | None,
    page: int,
    page_size: int,
    max_pages: int,
    filters: tuple[tuple[str, str], ...] = (),
    summaries: Summaries | None = None,
) -> Preview:
    params = {"limit": [str(page_size)], **({"sort": [sort]} if sort else {})}
    for name, value in filters:
        if resource.field(name) is None:
            raise InvalidParameter(
                f"{FILTER_PREFIX}{name}: {resource.name!r} has no field {name!r}",
                parameter=FILTER_PREFIX + name,
            )
        params[name] = [value]
    query = parse_query(resource, params, default_limit=page_size, max_limit=page_size)
    result = engine.page(package, resource, query)
    pages = max(1, min(math.ceil(result.total / page_size), max_pages))
    if page > pages:
        raise InvalidParameter(
            f"page: the preview of {resource.name!r} has {pages} page(s), not {page}", parameter="page"
        )
    for _ in range(page - 1):
        query = replace(query, cursor=result.next_cursor)
        result = engine.page(package, resource, query)
    return Preview(
        resource=resource,
        fields=resource.fields,
        rows=result.rows,
        total=result.total,
        page=page,
        pages=pages,
        page_size=page_size,
        sort=query.sort,
        truncated=result.total > max_pages * page_size,
        filters=filters,
        facets=_facets(summaries, package, resource, query, filters) if summaries else (),
    )


def _facets(summaries: Summaries, package: Package, resource: Resource, query, filters) -> tuple[Facet, ...]:
    """A facet for each field that sorts rows into a few groups (2 to FACET_LIMIT values), or is
    filtered on. Left out: the key, measures (numbers with a unit, whose values are counted, not
    grouped by) and `*_english` columns, which repeat the Japanese labels beside them."""
    chosen = dict(filters)
    names = [
        f.name
        for f in resource.fields
        if f.type in FACET_TYPES
        and f.name not in resource.primary_key
        and not (f.unit and f.type in ("integer", "number"))
        and not f.name.endswith("_english")
    ]
    limit = summaries.facet_limit
    counted = summaries.facets(package, resource, query, names, limit + 1)
    facets = []
    for name in names:
        values = [v for v in counted[name] if v["value"] is not None]
        if name not in chosen and not 2 <= len(counted[name]) <= limit:  # nulls count as a group
            continue
        field_ = resource.field(name)
        assert field_ is not None
        shown = [
            FacetValue(_text(v["value"]), v["count"], chosen.get(name) == _text(v["value"]))
            for v in values[:limit]
        ]
        facets.append(Facet(field_, shown))
    return tuple(facets)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
