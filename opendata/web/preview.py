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
) -> Preview:
    params = {"limit": [str(page_size)], **({"sort": [sort]} if sort else {})}
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
    )
