"""The embedded store's layout: values stored once, constants generated, indexes where queries use them.

Served through the HTTP API, a field holding one value in every row (stored as a generated
column, unindexed) and a nullable field (a partial index) must answer every filter, sort,
cursor and diff as any other field does; and the store stays within 2.5x the CSV it holds.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import orjson
import pytest

from opendata.app import create_app
from opendata.publish import pipeline
from opendata.publish.releases import open_release
from opendata.storage.sqlite import STORE_FILE, SqliteStore
from tests.conftest import ROOT, ClosingClient
from tests.crafted import write_package

NAME = "sample-constants"  # test sample data, not the report's
API = f"/api/v1/datasets/{NAME}/resources/{NAME}"
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "region", "type": "string", "title": "団体コード"},  # the same in every row
    {"name": "checked", "type": "boolean", "title": "確認済"},  # the same in every row
    {"name": "kind", "type": "string", "title": "区分"},
    {"name": "amount", "type": "number", "title": "金額"},  # nullable
]
KINDS = ("電話", "来所", "メール")
SQLITE = {"DATABASE_URL": ""}  # these tests are about the SQLite store, whichever backend the suite runs on


def publish_package(source, releases):
    return pipeline.publish_package(source, releases, store=SqliteStore())


def sample_rows(region: str = "140007") -> list[list]:
    return [
        [i, region, "true", KINDS[i % 3], "" if i % 7 == 0 else (i % 5) * 1.5 if i % 2 else i % 5]
        for i in range(1, 301)
    ]


def typed(row: list) -> dict:
    amount = None if row[4] == "" else row[4]
    return {"id": row[0], "region": row[1], "checked": True, "kind": row[3], "amount": amount}


ROWS = [typed(r) for r in sample_rows()]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("constants")
    releases = tmp / "releases"
    first = publish_package(write_package(tmp / "a", NAME, FIELDS, sample_rows(), ["id"]), releases).release
    app = create_app({"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp / "cache"), **SQLITE})
    app.test_client_class = ClosingClient
    return tmp, releases, first, app.test_client()


def walk(client, query: str) -> list[dict]:
    """Every row of `query`, following `next` cursors 40 rows at a time."""
    found, url = [], f"{API}/rows?limit=40&{query}"
    while url:
        body = client.get(url).get_json()
        found += body["rows"]
        url = body["next_url"] and body["next_url"].removeprefix("http://localhost")
    return found


def amount_order(row: dict) -> tuple:
    return (row["amount"] is not None, row["amount"] or 0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=140007", ROWS),
        ("region=999999", []),
        ("region__in=140007,999999&kind=来所", [r for r in ROWS if r["kind"] == "来所"]),
        ("checked=true", ROWS),
        ("checked=false", []),
        ("sort=region", ROWS),
        ("sort=-region", ROWS[::-1]),
        ("sort=region,-id", ROWS[::-1]),
        ("sort=-checked,kind", sorted(ROWS[::-1], key=lambda r: r["kind"])),  # ties: -position
        ("amount=3", [r for r in ROWS if r["amount"] == 3]),
        ("amount__gte=4.5", [r for r in ROWS if r["amount"] is not None and r["amount"] >= 4.5]),
        ("amount__isnull=true", [r for r in ROWS if r["amount"] is None]),
        (
            "amount__isnull=false&sort=-amount",
            sorted([r for r in ROWS[::-1] if r["amount"] is not None], key=amount_order, reverse=True),
        ),
        ("sort=amount", sorted(ROWS, key=amount_order)),
        ("sort=-amount", sorted(ROWS[::-1], key=amount_order, reverse=True)),
    ],
)
def test_constant_and_nullable_fields_filter_sort_and_page_like_any_other(site, query, expected):
    client = site[3]
    assert walk(client, query) == expected
    total = client.get(f"{API}/rows?limit=1&{query}").get_json()["total"]
    assert total == len(expected)


def test_csv_and_summaries_see_the_constants(site):
    client = site[3]
    lines = client.get(f"{API}/rows.csv?kind=電話").get_data(as_text=True).splitlines()
    assert lines[:2] == ["id,region,checked,kind,amount", "3,140007,true,電話,4.5"]
    body = client.get(f"{API}/summary?group_by=region,checked").get_json()
    assert body["rows"] == [{"region": "140007", "checked": True, "count": 300}]


def test_the_store_holds_constants_as_generated_columns_and_indexes_the_rest(site):
    _, releases, first, _ = site
    path = open_release(releases, NAME, first)[1].directory / STORE_FILE
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    columns = {row[1]: row[6] for row in connection.execute(f'PRAGMA table_xinfo("{NAME}")')}
    assert columns == {"_rowid": 0, "id": 0, "region": 2, "checked": 2, "kind": 0, "amount": 0}  # 2: virtual
    indexes = {row[1]: row[4] for row in connection.execute(f'PRAGMA index_list("{NAME}")')}
    assert indexes == {f"{NAME}__id": 0, f"{NAME}__kind": 0, f"{NAME}__amount": 1}  # 1: partial
    plan = connection.execute(f'EXPLAIN QUERY PLAN SELECT id FROM "{NAME}" WHERE amount = ?', (3,)).fetchall()
    assert f"INDEX {NAME}__amount" in plan[0][3]


def test_a_diff_sees_a_constant_that_changed(site):
    tmp, releases, first, client = site
    second = publish_package(
        write_package(tmp / "b", NAME, FIELDS, sample_rows("140008"), ["id"]), releases
    ).release
    body = client.get(f"/api/v1/datasets/{NAME}/diff?from={first}&to={second}").get_json()
    assert body["resources"][0]["counts"] == {"added": 0, "removed": 0, "changed": 300}
    assert body["resources"][0]["rows"]["changed"][0]["changes"] == {
        "region": {"old": "140007", "new": "140008"}
    }


def test_the_store_costs_at_most_two_and_a_half_times_the_csv(tmp_path):
    """The benchmark's generator (statistics-like rows, constant publisher fields, notes)."""
    package = tmp_path / "package"
    script = ROOT / "scripts" / "make_synthetic_package.py"
    subprocess.run([sys.executable, str(script), str(package), "--rows", "20000"], check=True, timeout=120)
    outcome = publish_package(package, tmp_path / "releases")
    release = open_release(tmp_path / "releases", outcome.name, outcome.release)[1]
    csv_bytes = sum(r.path.stat().st_size for r in release.resources)
    store_bytes = (release.directory / STORE_FILE).stat().st_size
    assert store_bytes <= 2.5 * csv_bytes, (store_bytes, csv_bytes)


JSON_FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "text", "type": "string", "title": "文"},
    {"name": "value", "type": "number", "title": "値"},
]
# Numbers and text whose JSON SQLite and orjson could write differently (test data).
JSON_CASES = [
    ("\x01\x1f\b\f\t", 0.1),
    ('back\\slash "quoted"', 2.5),
    ("\u2028\u2029 𠮷 😀", 123456789.123),
    ("<&>'", 100.0),
    ("", -1.5),
    ("x", 9007199254740993),
    ("y", 0.0),
]
OTHER_NUMBERS = {"-0.0": -0.0, "1e16": 1e16, "1e-7": 1e-7, "0.30000000000000004": 0.30000000000000004}


@pytest.mark.parametrize("odd", [None, *OTHER_NUMBERS])
def test_json_pages_are_the_bytes_orjson_writes(tmp_path, odd):
    cases = [*JSON_CASES, *([("odd", odd)] if odd else [])]
    rows = [[i, text, value] for i, (text, value) in enumerate(cases, start=1)]
    releases = tmp_path / "releases"
    publish_package(write_package(tmp_path / "p", "sample-json", JSON_FIELDS, rows, ["id"]), releases)
    app = create_app(
        {"RELEASES_DIR": str(releases), "CACHE_DIR": str(tmp_path / "cache"), "PAGE_CACHE_BYTES": 0, **SQLITE}
    )
    client = app.test_client()
    base = "/api/v1/datasets/sample-json/resources/sample-json/rows"
    typed = [
        {"id": i, "text": text or None, "value": OTHER_NUMBERS.get(value, value) if odd else value}
        for i, text, value in rows
    ]
    for query, names in (("", ("id", "text", "value")), ("?fields=value,text", ("value", "text"))):
        body = client.get(base + query).get_data()
        expected = orjson.dumps([{n: row[n] for n in names} for row in typed])
        assert b'"rows":' + expected + b"," in body


CSV_FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "text", "type": "string", "title": "=文"},
    {"name": "flag", "type": "boolean", "title": "真偽"},
    {"name": "value", "type": "number", "title": "値"},
    {"name": "day", "type": "date", "title": "日"},
]
# Cells csv.writer quotes, and text a spreadsheet would run as a formula (test data).
CSV_TEXTS = [
    "=SUM(A1:A2)", " =1+1", "\t=x", "\r\n=y", "-minus", "+81-3", "@cmd", 'comma, "quote"\nnewline',
    "cr\ronly", "", "普通", " leading", "'apostrophe", "＝全角", "髙橋 ①", '"', ",",
]  # fmt: skip


def reference_csv(resource, names, records, fmt) -> bytes:
    """The CSV written the plain way: every cell through its converter, then csv.writer."""
    import csv
    import io

    from opendata.exports.csv_export import QUOTING_TERMINATOR, cell_converters, header_row

    def line(cells) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator=QUOTING_TERMINATOR).writerow(cells)
        return out.getvalue()[: -len(QUOTING_TERMINATOR)] + fmt.line_terminator

    converters = cell_converters(resource, names, fmt)
    lines = [line(header_row(resource, names, fmt))]
    lines += [line([c(v) for c, v in zip(converters, r, strict=True)]) for r in records]
    bom = "\ufeff" if fmt.encoding == "utf-8-sig" else ""
    return (bom + "".join(lines)).encode("cp932" if fmt.encoding == "cp932" else "utf-8")


@pytest.mark.parametrize("fields", [(), ("text", "value"), ("day", "flag", "id")])
def test_csv_exports_are_the_bytes_every_cell_converted_gives(tmp_path, fields):
    """The export converts only booleans, and for Excel only the lines that may hold a formula."""
    from opendata.exports.csv_export import CsvFormat, csv_stream
    from opendata.exports.files import csv_flavours
    from opendata.query.engine import Engine
    from opendata.query.params import RowQuery
    from opendata.storage.sqlite import SqliteStore

    values = ["1.5", "-5", "0.1", "100.0", "", "7"]
    rows = [
        [i, text, ["true", "false", ""][i % 3], values[i % len(values)], ["2022-03-10", ""][i % 2]]
        for i, text in enumerate(CSV_TEXTS, start=1)
    ]
    directory = write_package(tmp_path / "p", "sample-csv", CSV_FIELDS, rows, ["id"], lineterminator="\r\n")
    outcome = publish_package(directory, tmp_path / "r")
    assert outcome.status == "published", outcome.report
    package = open_release(tmp_path / "r", "sample-csv", outcome.release)[1]
    resource = package.resources[0]
    engine = Engine(SqliteStore())
    query = RowQuery(fields=fields)
    names = list(fields or resource.field_names)
    records = list(engine.iter_records(package, resource, query))
    for fmt in [CsvFormat(), *csv_flavours()]:
        written = b"".join(csv_stream(engine, package, resource, query, fmt))
        assert written == reference_csv(resource, names, records, fmt), fmt
