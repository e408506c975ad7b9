#!/usr/bin/env python3
"""In-memory test stand-in for Apache Solr, for running a real CKAN in tests.

THIS IS NOT A SEARCH ENGINE and not Solr. Apache Solr cannot be installed on
the project's machines, and CKAN 2.11+ cannot write a dataset without a Solr
core to index it into. This module answers the handful of Solr requests that
CKAN makes through pysolr, well enough for push and harvest integration tests:

* ``GET  /solr/<core>/admin/ping``
* ``GET  /solr/<core>/schema?wt=schema.xml`` and ``/admin/file/?file=schema.xml``
  (CKAN's schema version check reads the root element's ``name="ckan-X.Y"``)
* ``POST /solr/<core>/update`` with JSON (a list of documents, or ``add`` /
  ``delete`` / ``commit`` commands) or XML (``<add>``, ``<delete>`` by id or
  query, ``<commit/>``)
* ``GET|POST /solr/<core>/select`` with ``q``, several ``fq``, ``sort``,
  ``start``, ``rows``, ``fl``, ``facet.field`` / ``facet.limit`` /
  ``facet.mincount``, ``defType`` (lucene, dismax, edismax with ``qf`` and
  ``mm``), ``df``, ``q.op``; only ``wt=json`` answers.

What is modelled: a subset of the Lucene query syntax (``*:*``, ``field:value``,
``field:"phrase"``, ``field:(a OR b)``, ``field:*``, ``+``/``-``/``NOT``,
``AND``/``OR``, parentheses, ranges ``[a TO b]`` / ``{a TO b}`` with ``*`` and
``NOW`` date math), CKAN's field types (string fields match exactly, text fields
by lower-cased word tokens with a crude plural strip, CJK text by substring,
date fields as dates), the ``text`` catch-all copy fields, multi-valued fields,
multi-key sorting with missing values last, and facet counts.

What is not: relevance ranking (``score`` only counts matched clauses, weighted
by ``qf`` boosts), analysis chains, synonyms, highlighting, persistence (the
index lives in memory; re-fill it with ``ckan search-index rebuild``) and
commit visibility (documents are searchable as soon as they are added).
Standard library only: any python3 >= 3.10 runs it.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import datetime as dt
import fnmatch
import json
import re
import sys
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

SCHEMA_NAME = "ckan-2.12"  # CKAN 2.12 accepts 2.8 ... 2.12

# Field types of CKAN's own schema.xml (ckan/config/solr/schema.xml).
TEXT_FIELDS = {
    "title",
    "notes",
    "text",
    "urls",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "res_name",
    "res_description",
    "title_ngram",
    "name_ngram",
    "depends_on",
    "dependency_of",
    "derives_from",
    "has_derivation",
    "links_to",
    "linked_from",
    "child_of",
    "parent_of",
}
DATE_FIELDS = {"metadata_created", "metadata_modified", "indexed_ts"}
INT_FIELDS = {"views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent"}
# copyField sources feeding the catch-all "text" field (and "urls").
URL_SOURCES = ("url", "ckan_url", "download_url", "res_url")
TEXT_SOURCES = (
    "name",
    "title",
    "text",
    "license",
    "notes",
    "tags",
    "groups",
    "organization",
    "res_name",
    "res_description",
    "maintainer",
    "author",
)
TEXT_SOURCE_PREFIXES = ("extras_", "res_extras_", "vocab_")


class SolrError(Exception):
    """Answered as a Solr error body with an HTTP status."""

    def __init__(self, msg: str, code: int = 400) -> None:
        super().__init__(msg)
        self.msg, self.code = msg, code


def field_type(name: str) -> str:
    if name in DATE_FIELDS or name.endswith("_date"):
        return "date"
    if name in INT_FIELDS:
        return "int"
    if name in TEXT_FIELDS or name.startswith(("extras_", "res_extras_")):
        return "text"
    return "string"


# --------------------------------------------------------------- values
def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def as_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?Z?$")
_MATH_RE = re.compile(r"([+-]\d+|/)([A-Z]+)")
_UTC = dt.timezone.utc  # noqa: UP017 - stays runnable on any python3
_UNITS = {
    "YEAR": "year",
    "MONTH": "month",
    "DAY": "day",
    "DATE": "day",
    "HOUR": "hour",
    "MINUTE": "minute",
    "SECOND": "second",
}


def _add_months(d: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def parse_date(text: str) -> dt.datetime | None:
    """ISO date (naive UTC) or Solr date math such as NOW-1DAY/DAY."""
    text = text.strip()
    if text.startswith("NOW"):
        d = dt.datetime.now(_UTC).replace(tzinfo=None)
        rest = text[3:]
        for op, unit_name in _MATH_RE.findall(rest):
            unit = _UNITS.get(unit_name.rstrip("S"))
            if unit is None:
                return None
            if op == "/":
                order = ["year", "month", "day", "hour", "minute", "second"]
                floor: dict[str, Any] = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0}
                d = d.replace(microsecond=0, **{k: floor[k] for k in order[order.index(unit) + 1 :]})
            elif unit == "year":
                d = _add_months(d, 12 * int(op))
            elif unit == "month":
                d = _add_months(d, int(op))
            else:
                d += dt.timedelta(**{unit + "s": int(op)})
        return d
    m = _DATE_RE.match(text)
    if not m:
        return None
    y, mo, da, h, mi, s, frac = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        return dt.datetime(int(y), int(mo), int(da), int(h or 0), int(mi or 0), int(s or 0), micro)
    except ValueError:
        return None


def parse_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------- analysis
_WORD_RE = re.compile(r"\w+")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _stem(token: str) -> str:
    if len(token) > 3 and token.isascii():
        if token.endswith("ies"):
            return token[:-3] + "y"
        if token.endswith("s") and not token.endswith(("ss", "us", "is")):
            return token[:-1]
    return token


def analyze(text: str) -> list[str]:
    return [_stem(t) for t in _WORD_RE.findall(_norm(text))]


def text_matches(value: str, query: str, wildcard: bool) -> bool:
    if wildcard:
        pattern = _norm(query)
        return any(fnmatch.fnmatchcase(t, pattern) for t in _WORD_RE.findall(_norm(value)))
    wanted = analyze(query)
    if not wanted:
        return False
    have = analyze(value)
    n = len(wanted)
    if any(have[i : i + n] == wanted for i in range(len(have) - n + 1)):
        return True
    return bool(_CJK_RE.search(query)) and _norm(query).strip() in _norm(value)


# --------------------------------------------------------------- queries
MUST, SHOULD, MUST_NOT = "MUST", "SHOULD", "MUST_NOT"
Node = tuple  # ("all",) | ("term", fields, text, phrase) | ("range", ...) | ("bool", clauses)


class LuceneParser:
    """Recursive-descent parser for the Lucene syntax subset CKAN sends."""

    _STOP: ClassVar[set[str]] = set(' \t\r\n()"[]{}^~:')

    def __init__(self, text: str, fields: list[tuple[str, float]], op: str) -> None:
        self.s, self.i, self.fields, self.op = text, 0, fields, op.upper()

    def parse(self) -> Node:
        node = self._query(self.fields, nested=False)
        self._ws()
        if self.i < len(self.s):
            raise SolrError(f"Cannot parse '{self.s}': unexpected '{self.s[self.i]}'")
        return node

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _keyword(self, word: str) -> bool:
        end = self.i + len(word)
        if self.s.startswith(word, self.i) and (end == len(self.s) or self.s[end] in " \t\r\n("):
            self.i = end
            return True
        return False

    def _query(self, fields: list[tuple[str, float]], nested: bool) -> Node:
        clauses: list[list[Any]] = []
        conj = None
        while True:
            self._ws()
            if self.i >= len(self.s) or (nested and self.s[self.i] == ")"):
                break
            if self._keyword("AND") or self._keyword("&&"):
                conj = "AND"
                continue
            if self._keyword("OR") or self._keyword("||"):
                conj = "OR"
                continue
            mods = None
            if self._keyword("NOT"):
                mods = "NOT"
            elif self.s[self.i] in "+-!":
                mods = "REQ" if self.s[self.i] == "+" else "NOT"
                self.i += 1
            self._add(clauses, conj, mods, self._clause(fields))
            conj = None
        return ("bool", clauses)

    def _add(self, clauses: list[list[Any]], conj: str | None, mods: str | None, node: Node) -> None:
        # Lucene's QueryParserBase.addClause, with q.op as the default operator.
        if clauses and conj == "AND" and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = MUST
        if clauses and self.op == "AND" and conj == "OR" and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = SHOULD
        prohibited = mods == "NOT"
        if self.op == "OR":
            required = mods == "REQ" or (conj == "AND" and not prohibited)
        else:
            required = not prohibited and conj != "OR"
        occur = MUST_NOT if prohibited else MUST if required else SHOULD
        clauses.append([occur, node])

    def _clause(self, fields: list[tuple[str, float]]) -> Node:
        self._ws()
        s = self.s
        if self.i >= len(s):
            raise SolrError(f"Cannot parse '{s}': unexpected end")
        ch = s[self.i]
        if ch == "(":
            self.i += 1
            node = self._query(fields, nested=True)
            if self.i >= len(s) or s[self.i] != ")":
                raise SolrError(f"Cannot parse '{s}': missing ')'")
            self.i += 1
        elif s.startswith("*:*", self.i):
            self.i += 3
            node = ("all",)
        elif ch == '"':
            end = s.find('"', self.i + 1)
            while end > 0 and s[end - 1] == "\\":
                end = s.find('"', end + 1)
            if end < 0:
                raise SolrError(f"Cannot parse '{s}': unterminated phrase")
            text = re.sub(r"\\(.)", r"\1", s[self.i + 1 : end])
            self.i = end + 1
            node = ("term", fields, text, True)
        elif ch in "[{":
            node = self._range(fields)
        else:
            raw, text = self._bare()
            if not raw:
                raise SolrError(f"Cannot parse '{s}': unexpected '{ch}'")
            if self.i < len(s) and s[self.i] == ":":
                self.i += 1
                if s.startswith("*", self.i) and (self.i + 1 == len(s) or s[self.i + 1] in self._STOP):
                    self.i += 1
                    node = ("exists", text)
                else:
                    node = self._clause([(text, 1.0)])
            elif raw == "*":
                node = ("all",)
            else:
                node = ("term", fields, text, False, "*" in raw or "?" in raw)
        self._modifiers()
        return node

    def _bare(self) -> tuple[str, str]:
        start, out = self.i, []
        while self.i < len(self.s) and self.s[self.i] not in self._STOP:
            if self.s[self.i] == "\\" and self.i + 1 < len(self.s):
                self.i += 1
            out.append(self.s[self.i])
            self.i += 1
        return self.s[start : self.i], "".join(out)

    def _modifiers(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in "^~":
            self.i += 1
            while self.i < len(self.s) and (self.s[self.i].isdigit() or self.s[self.i] == "."):
                self.i += 1

    def _range(self, fields: list[tuple[str, float]]) -> Node:
        s, open_ch = self.s, self.s[self.i]
        m = re.compile(r'[\[{]\s*("[^"]*"|\S+)\s+TO\s+("[^"]*"|[^\s\]}]+)\s*([\]}])').match(s, self.i)
        if not m:
            raise SolrError(f"Cannot parse '{s}': bad range")
        self.i = m.end()
        lo, hi = (v.strip('"').replace("\\", "") for v in m.group(1, 2))
        return (
            "range",
            fields,
            None if lo == "*" else lo,
            None if hi == "*" else hi,
            open_ch == "[",
            m.group(3) == "]",
        )


def parse_dismax(q: str, qf: list[tuple[str, float]], mm: str) -> Node:
    clauses: list[list[Any]] = []
    for mod, word in re.findall(r'([+-]?)("[^"]*"|[^\s"]+)', q):
        if word in ("AND", "OR", "NOT", "&&", "||"):
            continue
        phrase = word.startswith('"')
        node = ("term", qf, word.strip('"'), phrase, not phrase and "*" in word)
        clauses.append([MUST if mod == "+" else MUST_NOT if mod == "-" else SHOULD, node])
    optional = sum(1 for c in clauses if c[0] == SHOULD)
    return ("bool", clauses, min_should_match(mm, optional))


def min_should_match(spec: str, count: int) -> int:
    """Solr's mm syntax, e.g. '2<-1 5<80%' (CKAN's default)."""
    spec = (spec or "100%").strip()
    if "<" in spec:
        chosen = None
        for limit, rule in re.findall(r"(\d+)<(-?\d+%?)", spec):
            if count > int(limit):
                chosen = rule
        if chosen is None:
            return count
        spec = chosen
    neg = spec.startswith("-")
    n = int(count * abs(int(spec[:-1])) / 100) if spec.endswith("%") else abs(int(spec))
    n = count - n if neg else n
    return max(0, min(count, n))


def parse_query(q: str, params: dict[str, list[str]]) -> Node:
    get = lambda k, d="": (params.get(k) or [d])[-1]  # noqa: E731
    op = get("q.op", "OR")
    def_type = get("defType", "lucene")
    qf = [(f.split("^")[0], float(f.split("^")[1]) if "^" in f else 1.0) for f in get("qf", "text").split()]
    if def_type == "dismax":
        return parse_dismax(q, qf, get("mm", "100%"))
    fields = qf if def_type == "edismax" else [(get("df", "text"), 1.0)]
    return LuceneParser(q, fields, op).parse()


# ------------------------------------------------------------- matching
def _value_matches(field: str, value: Any, text: str, phrase: bool, wildcard: bool) -> bool:
    kind = field_type(field)
    if kind == "text":
        return text_matches(as_str(value), text, wildcard and not phrase)
    if wildcard and not phrase:
        return fnmatch.fnmatchcase(as_str(value), text)
    if kind == "date":
        a, b = parse_date(as_str(value)), parse_date(text)
        if a is not None and b is not None:
            return a == b
    if kind == "int":
        return parse_number(as_str(value)) == parse_number(text)
    return as_str(value) == text


def _in_range(field: str, value: Any, lo: str | None, hi: str | None, inc_lo: bool, inc_hi: bool) -> bool:
    raw = as_str(value)
    conv: Callable[[str], Any]
    if field_type(field) == "date" or (parse_date(raw) is not None and not raw.isdigit()):
        conv = parse_date
    elif parse_number(raw) is not None and all(b is None or parse_number(b) is not None for b in (lo, hi)):
        conv = parse_number
    else:
        conv = str
    v: Any = conv(raw)
    if v is None:
        return False
    for bound, inclusive, sign in ((lo, inc_lo, 1), (hi, inc_hi, -1)):
        if bound is None:
            continue
        b: Any = conv(bound)
        if b is None:
            raise SolrError(f"Invalid range bound '{bound}' for field {field}")
        if (v > b if sign > 0 else v < b) or (inclusive and v == b):
            continue
        return False
    return True


def score(node: Node, doc: dict[str, Any]) -> float | None:
    """Return a crude score when ``doc`` matches ``node``, else None."""
    kind = node[0]
    if kind == "all":
        return 1.0
    if kind == "exists":
        pattern = node[1]
        return 1.0 if any(fnmatch.fnmatchcase(k, pattern) and as_list(v) for k, v in doc.items()) else None
    if kind == "term":
        _, fields, text, phrase = node[:4]
        wildcard = len(node) > 4 and node[4]
        best = None
        for field, boost in fields:
            if any(_value_matches(field, v, text, phrase, wildcard) for v in as_list(doc.get(field))):
                best = max(best or 0.0, boost)
        return best
    if kind == "range":
        _, fields, lo, hi, inc_lo, inc_hi = node
        hit = any(_in_range(f, v, lo, hi, inc_lo, inc_hi) for f, _ in fields for v in as_list(doc.get(f)))
        return 1.0 if hit else None
    clauses = node[1]
    total, should_hits, has_must = 0.0, 0, False
    for occur, sub in clauses:
        s = score(sub, doc)
        if occur == MUST_NOT:
            if s is not None:
                return None
        elif occur == MUST:
            has_must = True
            if s is None:
                return None
            total += s
        elif s is not None:
            should_hits += 1
            total += s
    n_should = sum(1 for c in clauses if c[0] == SHOULD)
    needed = node[2] if len(node) > 2 else (1 if n_should and not has_must else 0)
    if should_hits < needed:
        return None
    if not clauses:
        return None
    return total or 1.0


# ------------------------------------------------------------------ core
class Core:
    """The documents of one core, keyed by the schema's unique key."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def _prepare(doc: dict[str, Any]) -> dict[str, Any]:
        doc = {k: v for k, v in doc.items() if v is not None and v != "" and v != []}
        urls = [v for f in URL_SOURCES for v in as_list(doc.get(f))]
        text = [as_str(v) for f in TEXT_SOURCES for v in as_list(doc.get(f))]
        text += [as_str(v) for k, v in doc.items() if k.startswith(TEXT_SOURCE_PREFIXES) for v in as_list(v)]
        doc["urls"] = urls
        doc["text"] = text + [as_str(u) for u in urls]
        doc.setdefault("indexed_ts", dt.datetime.now(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        return doc

    def add(self, doc: dict[str, Any]) -> None:
        key = doc.get("index_id") or doc.get("id")
        if not key:
            raise SolrError("Document is missing mandatory uniqueKey field: index_id")
        with self.lock:
            self.docs.pop(str(key), None)  # re-added documents move to the end, as in Lucene
            self.docs[str(key)] = self._prepare(doc)

    def delete_ids(self, ids: list[str]) -> None:
        with self.lock:
            for key in ids:
                if self.docs.pop(key, None) is None:
                    for k, d in list(self.docs.items()):
                        if d.get("id") == key:
                            del self.docs[k]

    def delete_query(self, q: str) -> None:
        node = LuceneParser(q, [("text", 1.0)], "OR").parse()
        with self.lock:
            for k, d in list(self.docs.items()):
                if score(node, d) is not None:
                    del self.docs[k]

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.docs.values())


def _sort_key_values(docs: list[dict[str, Any]], field: str, scores: dict[int, float]) -> list[Any]:
    if field == "score":
        return [scores.get(id(d), 0.0) for d in docs]
    values = [as_list(d.get(field))[0] if as_list(d.get(field)) else None for d in docs]
    present = [v for v in values if v is not None]
    if field_type(field) == "date" or (
        present and all(isinstance(v, str) and parse_date(v) for v in present)
    ):
        return [parse_date(as_str(v)) if v is not None else None for v in values]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return values
    if field_type(field) == "int":
        return [parse_number(as_str(v)) if v is not None else None for v in values]
    return [as_str(v) if v is not None else None for v in values]


def sort_docs(docs: list[dict[str, Any]], spec: str, scores: dict[int, float]) -> list[dict[str, Any]]:
    keys = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        bits = part.split()
        if len(bits) != 2 or bits[1].lower() not in ("asc", "desc"):
            raise SolrError(f"Can't determine a Sort Order (asc or desc) in sort spec '{part}'")
        keys.append((bits[0], bits[1].lower() == "desc"))
    for field, desc in reversed(keys):  # stable multi-pass sort, missing values last
        values = dict(zip(map(id, docs), _sort_key_values(docs, field, scores), strict=True))
        docs.sort(key=lambda d: ((values[id(d)] is None) != desc, values[id(d)]), reverse=desc)
    return docs


def facet_counts(
    docs: list[dict[str, Any]], params: dict[str, list[str]], everything: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    get = lambda k, d: (params.get(k) or [d])[-1]  # noqa: E731
    out: dict[str, list[Any]] = {}
    for field in params.get("facet.field", []):
        limit = int(get(f"f.{field}.facet.limit", get("facet.limit", "100")))
        mincount = int(get(f"f.{field}.facet.mincount", get("facet.mincount", "0")))
        order = get("facet.sort", "count" if limit > 0 else "index")
        counts: dict[str, int] = {}
        if mincount <= 0:
            for d in everything:
                for v in as_list(d.get(field)):
                    counts.setdefault(as_str(v), 0)
        for d in docs:
            for v in {as_str(v) for v in as_list(d.get(field))}:
                counts[v] = counts.get(v, 0) + 1
        items = [(v, c) for v, c in counts.items() if c >= mincount]
        items.sort(key=(lambda kv: (-kv[1], kv[0])) if order == "count" else (lambda kv: kv[0]))
        if limit >= 0:
            items = items[:limit]
        out[field] = [x for kv in items for x in kv]
    return out


def select_fields(doc: dict[str, Any], fl: str, doc_score: float) -> dict[str, Any]:
    wanted = [f for f in re.split(r"[\s,]+", fl.strip()) if f] or ["*"]
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in ("text", "urls") and any(fnmatch.fnmatchcase(key, w) for w in wanted):
            out[key] = value
    if "score" in wanted:
        out["score"] = doc_score
    return out


def run_select(core: Core, params: dict[str, list[str]]) -> dict[str, Any]:
    get = lambda k, d="": (params.get(k) or [d])[-1]  # noqa: E731
    q = get("q", "*:*").strip() or "*:*"
    q_node = parse_query(q, params)
    op = get("q.op", "OR")
    fq_nodes = [
        LuceneParser(f, [(get("df", "text"), 1.0)], op).parse() for f in params.get("fq", []) if f.strip()
    ]
    everything = core.snapshot()
    hits, scores = [], {}
    for doc in everything:
        s = score(q_node, doc)
        if s is None or any(score(n, doc) is None for n in fq_nodes):
            continue
        hits.append(doc)
        scores[id(doc)] = s
    sort_spec = get("sort", "score desc")
    hits = sort_docs(hits, sort_spec, scores)
    try:
        start, rows = int(get("start", "0")), int(get("rows", "10"))
    except ValueError as e:
        raise SolrError(f"Invalid start/rows: {e}") from e
    page = hits[start : start + max(rows, 0)]
    fl = get("fl", "*")
    body: dict[str, Any] = {
        "responseHeader": {
            "status": 0,
            "QTime": 0,
            "params": {k: v[-1] if len(v) == 1 else v for k, v in params.items()},
        },
        "response": {
            "numFound": len(hits),
            "start": start,
            "numFoundExact": True,
            "docs": [select_fields(d, fl, scores[id(d)]) for d in page],
        },
    }
    if get("facet", "false").lower() == "true":
        body["facet_counts"] = {
            "facet_queries": {},
            "facet_ranges": {},
            "facet_intervals": {},
            "facet_heatmaps": {},
            "facet_fields": facet_counts(hits, params, everything),
        }
    return body


# ---------------------------------------------------------------- update
def _xml_doc(elem: ET.Element) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for field in elem.findall("field"):
        name, value = field.get("name") or "", field.text or ""
        if name in doc:
            doc[name] = [*as_list(doc[name]), value]
        else:
            doc[name] = value
    return doc


def run_update(core: Core, body: bytes, content_type: str) -> None:
    if not body.strip():
        return
    if "json" in content_type or body.lstrip()[:1] in (b"[", b"{"):
        try:
            data = json.loads(body, object_pairs_hook=lambda pairs: pairs)
        except ValueError as e:
            raise SolrError(f"Invalid JSON: {e}") from e
        _json_update(core, data)
        return
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise SolrError(f"Invalid XML: {e}") from e
    for elem in [root] if root.tag != "update" else list(root):
        if elem.tag == "add":
            for doc in elem.findall("doc"):
                core.add(_xml_doc(doc))
        elif elem.tag == "delete":
            core.delete_ids([e.text or "" for e in elem.findall("id")])
            for q in elem.findall("query"):
                core.delete_query(q.text or "")
        elif elem.tag not in ("commit", "optimize", "rollback"):
            raise SolrError(f"Unexpected update command <{elem.tag}>")


def _to_obj(value: Any) -> Any:
    """Undo object_pairs_hook: pairs lists back to dicts, recursively."""
    if isinstance(value, list) and all(isinstance(p, tuple) and len(p) == 2 for p in value) and value:
        return {k: _to_obj(v) for k, v in value}
    if isinstance(value, list):
        return [_to_obj(v) for v in value]
    return value


def _json_update(core: Core, data: Any) -> None:
    if isinstance(data, list) and not (data and isinstance(data[0], tuple)):
        for doc in data:  # a plain array of documents, as pysolr sends
            core.add(_to_obj(doc))
        return
    for command, arg in data:  # {"add": {...}, "delete": {...}, "commit": {}}
        arg = _to_obj(arg)
        if command == "add":
            core.add(arg.get("doc", arg) if isinstance(arg, dict) else arg)
        elif command == "delete":
            items = arg if isinstance(arg, list) else [arg]
            for item in items:
                if isinstance(item, dict) and "query" in item:
                    core.delete_query(item["query"])
                else:
                    core.delete_ids([item["id"] if isinstance(item, dict) else str(item)])
        elif command not in ("commit", "optimize", "rollback"):
            raise SolrError(f"Unknown command '{command}'")


# ------------------------------------------------------------------ HTTP
SCHEMA_XML = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<schema name="{SCHEMA_NAME}" version="1.6">'
    "<!-- answered by scripts/ckan/solr_standin.py, a test stand-in for Solr -->"
    "<uniqueKey>index_id</uniqueKey></schema>\n"
)


class Handler(BaseHTTPRequestHandler):
    server_version = "solr-standin/1"
    core_name = "ckan"
    core = Core()

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(self.rfile.read(length) if length else b"")

    def _dispatch(self, body: bytes) -> None:
        url = urlsplit(self.path)
        params: dict[str, list[str]] = {}
        pairs = parse_qsl(url.query, keep_blank_values=True)
        ctype = self.headers.get("Content-Type", "")
        if "x-www-form-urlencoded" in ctype:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        for k, v in pairs:
            params.setdefault(k, []).append(v)
        prefix = f"/solr/{self.core_name}/"
        path = url.path.rstrip("/") + "/"
        if not path.startswith(prefix):
            return self._json(404, {"error": {"msg": f"No such core or path: {url.path}", "code": 404}})
        action = path[len(prefix) :].strip("/")
        try:
            if action == "admin/ping":
                return self._json(200, {"responseHeader": {"status": 0, "QTime": 0}, "status": "OK"})
            if action == "schema" or (action == "admin/file" and params.get("file") == ["schema.xml"]):
                if params.get("wt", ["json"])[-1] == "json":
                    return self._json(
                        200,
                        {
                            "responseHeader": {"status": 0},
                            "schema": {"name": SCHEMA_NAME, "version": 1.6, "uniqueKey": "index_id"},
                        },
                    )
                return self._send(200, SCHEMA_XML.encode(), "application/xml; charset=UTF-8")
            if action == "select":
                return self._json(200, run_select(self.core, params))
            if action == "update":
                run_update(self.core, b"" if "x-www-form-urlencoded" in ctype else body, ctype)
                return self._json(200, {"responseHeader": {"status": 0, "QTime": 0}})
            return self._json(404, {"error": {"msg": f"Unknown handler: {action}", "code": 404}})
        except SolrError as e:
            return self._json(
                e.code, {"responseHeader": {"status": e.code}, "error": {"msg": e.msg, "code": e.code}}
            )

    def _json(self, status: int, payload: Any) -> None:
        self._send(
            status,
            json.dumps(payload, ensure_ascii=False, default=str).encode(),
            "application/json; charset=utf-8",
        )

    def _send(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {format % args}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="In-memory Solr stand-in for CKAN tests (not a search engine).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8983)
    ap.add_argument("--core", default="ckan")
    args = ap.parse_args(argv)
    Handler.core_name = args.core
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"solr stand-in on http://{args.host}:{args.port}/solr/{args.core}", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
