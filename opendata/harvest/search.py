"""package_search without Solr: the part of Solr's query syntax CKAN clients and harvesters send.

Supported, as CKAN's Solr index answers them:
- `q` and `fq` (and `fq_list`): `field:value`, `field:"quoted value"`, `field:prefix*`,
  `field:*`, ranges `field:[A TO B]` / `{A TO B}` with `*`, ISO dates and `NOW[-+]nUNIT`,
  `-`/`+`/`NOT` prefixes, `OR`, `AND`, parentheses; terms without a field search the text
  (Japanese folded as the catalog search folds it). Space between terms means AND, so the
  CKAN harvester's `organization:a OR organization:b metadata_modified:[t TO *]` reads as
  intended.
- `sort`: comma-separated `field asc|desc` on id, name, title_string, metadata_modified,
  metadata_created, num_resources, num_tags and `score` (title hits); ties break on id.
- `rows` (default 10; above 1,000 clamped to 1,000 as CKAN's `ckan.search.rows_max` does), `start`.
- `facet.field` (JSON list) with `facet.limit` and `facet.mincount`.
Unknown parameters are refused with CKAN's "Search Query Error", as CKAN refuses them.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opendata.catalog.changes import parse_time
from opendata.catalog.search import fold
from opendata.harvest.catalog import Entry
from opendata.harvest.errors import SearchQueryError, ValidationError
from opendata.numbers import parse_int

ROWS_DEFAULT, ROWS_MAX = 10, 1000
FACET_FIELDS = ("organization", "tags", "license_id", "res_format", "groups")
# Accepted by CKAN's package_search and meaningless here (relevance tuning, drafts, plugins).
IGNORED = frozenset(
    {"qf", "wt", "bf", "boost", "tie", "defType", "mm", "q.op", "df", "include_drafts", "include_private",
     "include_deleted", "use_default_schema", "facet", "facet.sort"}
)  # fmt: skip
PARAMETERS = frozenset({"q", "fq", "fq_list", "sort", "rows", "start", "fl", "facet.field", "facet.limit",
                        "facet.mincount"}) | IGNORED  # fmt: skip
STRING_FIELDS = ("id", "name", "organization", "owner_org", "tags", "license_id", "res_format", "groups",
                 "type", "dataset_type", "state", "capacity", "version", "res_name")  # fmt: skip
TEXT_FIELDS = ("text", "title", "notes")
DATE_FIELDS = ("metadata_modified", "metadata_created")
NUMBER_FIELDS = ("num_resources", "num_tags")
SORT_FIELDS = ("id", "name", "title_string", "title", "metadata_modified", "metadata_created", "score",
               *NUMBER_FIELDS)  # fmt: skip
# Parentheses and NOTs nest at most this deep: a parser (and the predicate it builds) recurses
# once per level, and a thousand levels would exhaust Python's stack.
MAX_DEPTH = 32
UNITS = {"SECOND": "seconds", "MINUTE": "minutes", "HOUR": "hours", "DAY": "days", "WEEK": "weeks"}

Doc = dict[str, Any]
Predicate = Callable[[Doc], bool]

TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\()|(?P<close>\))|
        (?P<term>[+-]?(?:(?:\*|[A-Za-z_][\w.]*):)?(?:"(?:[^"\\]|\\.)*"|[\[{][^\]}]*[\]}]|[^\s()]+))
    )""",
    re.VERBOSE,
)
RANGE = re.compile(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$")


@dataclass(frozen=True)
class Query:
    match: Predicate
    title_terms: tuple[str, ...] = ()
    sort: tuple[tuple[str, bool], ...] = (("score", True), ("metadata_modified", True))
    rows: int = ROWS_DEFAULT
    start: int = 0
    fields: tuple[str, ...] = ()
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = 50
    facet_mincount: int = 1
    raw_sort: str = "score desc, metadata_modified desc"


@dataclass
class Result:
    count: int
    entries: list[Entry]
    facets: dict[str, Counter] = field(default_factory=dict)


def document(entry: Entry, package: dict[str, Any]) -> Doc:
    """The fields of one dataset (a package_show dict) as CKAN's Solr index holds them."""
    doc: Doc = {
        "id": [package["id"]],
        "name": [package["name"]],
        "organization": [package["organization"]["name"]],
        "owner_org": [package["owner_org"]],
        "tags": [t["name"] for t in package["tags"]],
        "license_id": [package["license_id"]],
        "res_format": sorted({r["format"] for r in package["resources"]}),
        "res_name": [r["name"] for r in package["resources"]],
        "groups": [g["name"] for g in package["groups"]],
        "type": [package["type"]],
        "dataset_type": [package["type"]],
        "state": [package["state"]],
        "capacity": ["public"],
        "version": [package["version"]],
        "text": entry.text,
        "title": fold(f"{entry.package.title} {entry.package.title_english}"),
        "title_string": package["title"],
        "notes": fold(package["notes"]),
        "metadata_modified": entry.modified,
        "metadata_created": entry.created,
        "num_resources": package["num_resources"],
        "num_tags": package["num_tags"],
    }
    for extra in package["extras"]:
        doc[f"extras_{extra['key']}"] = [extra["value"]]
    return doc


# Parsing


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        found = TOKEN.match(text, position)
        if not found or found.end() == position:
            raise SearchQueryError(f"cannot parse {text[position:]!r}")
        tokens.append(found.group(0).strip())
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, text: str, now: datetime) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.now = now
        self.title_terms: list[str] = []
        self.depth = 0

    def parse(self) -> Predicate:
        predicate = self.conjunction()
        if self.position != len(self.tokens):
            raise SearchQueryError(f"unexpected {self.tokens[self.position]!r}")
        return predicate

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def conjunction(self) -> Predicate:
        parts = []
        while self.peek() not in (None, ")"):
            if self.peek() == "AND":
                self.position += 1
                continue
            parts.append(self.disjunction())
        if not parts:
            raise SearchQueryError("empty query")
        return lambda doc: all(p(doc) for p in parts)

    def disjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == "OR":
            self.position += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def unary(self) -> Predicate:
        token = self.peek()
        if token in ("NOT", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SearchQueryError(f"parentheses and NOT nest more than {MAX_DEPTH} deep")
            try:
                return self.negation() if token == "NOT" else self.group()
            finally:
                self.depth -= 1
        if token is None or token in (")", "OR"):
            raise SearchQueryError(f"unexpected {token or 'end of query'!r}")
        self.position += 1
        if token[0] in "+-" and len(token) > 1:
            inner = self.term(token[1:])
            return (lambda doc: not inner(doc)) if token[0] == "-" else inner
        return self.term(token)

    def negation(self) -> Predicate:
        self.position += 1
        inner = self.unary()
        return lambda doc: not inner(doc)

    def group(self) -> Predicate:
        self.position += 1
        inner = self.conjunction()
        if self.peek() != ")":
            raise SearchQueryError("missing )")
        self.position += 1
        return inner

    def term(self, token: str) -> Predicate:
        name, _, value = (
            token.partition(":") if re.match(r"^(\*|[A-Za-z_][\w.]*):", token) else ("", "", token)
        )
        if name == "*" and value == "*":
            return lambda doc: True
        if not name:
            name = "text"
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
            quoted = True
        else:
            quoted = False
        if name in TEXT_FIELDS:
            words = [value] if quoted else value.split()
            terms = [fold(w) for w in words if w != "*"]
            if name in ("text", "title"):
                self.title_terms.extend(terms)
            return lambda doc: all(t in doc[name] for t in terms)
        range_match = RANGE.match(value) if not quoted else None
        if range_match:
            return self.range(name, *range_match.groups())
        return self.equals(name, value, quoted)

    def known(self, name: str) -> None:
        if not (
            name in STRING_FIELDS
            or name in DATE_FIELDS
            or name in NUMBER_FIELDS
            or name.startswith("extras_")
        ):
            raise SearchQueryError(f"undefined field {name}")

    def equals(self, name: str, value: str, quoted: bool) -> Predicate:
        self.known(name)
        if name in DATE_FIELDS:
            when = self.time(value)
            return lambda doc: doc[name] == when
        if name in NUMBER_FIELDS:
            return lambda doc: str(doc[name]) == value
        if value == "*" and not quoted:
            return lambda doc: bool(doc.get(name))
        if value.endswith("*") and not quoted:
            prefix = value[:-1]
            return lambda doc: any(v.startswith(prefix) for v in doc.get(name, []))
        return lambda doc: value in doc.get(name, [])

    def range(self, name: str, opening: str, low: str, high: str, closing: str) -> Predicate:
        self.known(name)
        convert: Callable[[str], Any] = str
        if name in DATE_FIELDS:
            convert = self.time
        elif name in NUMBER_FIELDS:
            convert = _number
        lower = None if low == "*" else convert(low)
        upper = None if high == "*" else convert(high)

        def inside(value: Any) -> bool:
            if lower is not None and (value < lower or (opening == "{" and value == lower)):
                return False
            return not (upper is not None and (value > upper or (closing == "}" and value == upper)))

        if name in DATE_FIELDS or name in NUMBER_FIELDS:
            return lambda doc: inside(doc[name])
        return lambda doc: any(inside(v) for v in doc.get(name, []))

    def time(self, text: str) -> datetime:
        text = text.strip('"')
        found = re.fullmatch(r"NOW(?:([+-])([0-9]+)(SECOND|MINUTE|HOUR|DAY|WEEK)S?)?(?:/(DAY|HOUR))?", text)
        if found:
            sign, amount, unit, rounding = found.groups()
            when = self.now
            if amount:
                try:
                    step = timedelta(**{UNITS[unit]: int(amount)})
                    when = when + step if sign == "+" else when - step
                except OverflowError:
                    raise SearchQueryError(f"date {text!r} is outside years 1-9999") from None
            if rounding == "DAY":
                when = when.replace(hour=0, minute=0, second=0, microsecond=0)
            elif rounding == "HOUR":
                when = when.replace(minute=0, second=0, microsecond=0)
            return when
        parsed = parse_time(text)
        if parsed is None:
            raise SearchQueryError(f"invalid date {text!r}: use ISO 8601 (2024-01-31T00:00:00Z), * or NOW")
        return parsed


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SearchQueryError(f"invalid number {text!r}") from None


def natural(params: dict[str, Any], key: str, default: int | None) -> int | None:
    """A parameter that must be a whole number of 0 or more, as CKAN validates it."""
    raw = params.get(key)
    if raw in (None, ""):
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # a JSON body's number; 1e400 or 1.5 arrive as floats and are refused
    if not isinstance(raw, str):
        raise ValidationError({key: ["Invalid integer"]})
    try:
        value = parse_int(raw)
    except ValueError:
        raise ValidationError({key: ["Invalid integer"]}) from None
    if value < 0:
        raise ValidationError({key: ["Must be a natural number"]})
    return value


def _sort(raw: str) -> tuple[tuple[str, bool], ...]:
    keys = []
    for part in raw.split(","):
        words = part.split()
        if len(words) != 2 or words[1].lower() not in ("asc", "desc"):
            raise SearchQueryError(f"cannot sort by {part.strip()!r}: use 'field asc' or 'field desc'")
        if words[0] not in SORT_FIELDS:
            raise SearchQueryError(f"cannot sort on field {words[0]}; sortable: {', '.join(SORT_FIELDS)}")
        keys.append((words[0], words[1].lower() == "desc"))
    return tuple(keys)


def _list(value: Any, key: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            raise ValidationError({key: ["Invalid JSON list"]}) from None
        return [str(v) for v in loaded]
    return [str(value)]


def parse(params: dict[str, Any], now: datetime | None = None) -> Query:
    """A package_search request as a Query; unknown parameters are a Search Query Error, as in CKAN."""
    unknown = sorted(k for k in params if k not in PARAMETERS and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    filters = [str(params["fq"])] if params.get("fq") else []
    filters += _list(params.get("fq_list"), "fq_list")
    # A blank q (CKAN's search page sends "q= ") means everything, as in CKAN.
    q = str(params.get("q") or "").strip() or "*:*"
    parsers = [_Parser(text, now) for text in [q, *filters] if text.strip()]
    predicates = [p.parse() for p in parsers]
    raw_sort = str(params.get("sort") or "score desc, metadata_modified desc")
    facet_fields = tuple(_list(params.get("facet.field"), "facet.field"))
    for name in facet_fields:
        if name not in FACET_FIELDS:
            raise SearchQueryError(f"cannot facet on {name}; facets: {', '.join(FACET_FIELDS)}")
    limit = params.get("facet.limit")
    return Query(
        match=lambda doc: all(p(doc) for p in predicates),
        title_terms=tuple(parsers[0].title_terms),
        sort=_sort(raw_sort),
        raw_sort=raw_sort,
        rows=min(natural(params, "rows", ROWS_DEFAULT) or 0, ROWS_MAX),
        start=natural(params, "start", 0) or 0,
        fields=tuple(f for f in re.split(r"[\s,]+", str(params.get("fl") or "")) if f),
        facet_fields=facet_fields,
        facet_limit=-1 if str(limit) == "-1" else (natural(params, "facet.limit", 50) or 0),
        facet_mincount=natural(params, "facet.mincount", 1) or 0,
    )


def _sort_value(value: Callable[[Entry, Doc, str], Any], key: str, hit: tuple[Entry, Doc]) -> Any:
    return value(hit[0], hit[1], key)


def run(query: Query, docs: list[tuple[Entry, Doc]]) -> Result:
    hits = [(entry, doc) for entry, doc in docs if query.match(doc)]

    def value(entry: Entry, doc: Doc, key: str) -> Any:
        if key == "score":
            return sum(term in entry.title_text for term in query.title_terms)
        if key == "title":
            return doc["title_string"]
        item = doc[key]
        return item[0] if isinstance(item, list) else item

    hits.sort(key=lambda hit: hit[0].package.id)
    for key, descending in reversed(query.sort):  # stable sorts, last key first
        hits.sort(key=functools.partial(_sort_value, value, key), reverse=descending)
    facets = {}
    for name in query.facet_fields:
        counts = Counter(v for _, doc in hits for v in doc.get(name, []))
        ranked = [(k, c) for k, c in counts.most_common() if c >= query.facet_mincount]
        facets[name] = Counter(dict(ranked if query.facet_limit < 0 else ranked[: query.facet_limit]))
    page = hits[query.start : query.start + query.rows]
    return Result(len(hits), [entry for entry, _ in page], facets)
