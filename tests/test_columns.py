"""XLSX and CSV exports written from a release's Arrow columns: the same bytes as from its rows.

A published table also gets its stored values as Arrow columns (opendata.storage.columns),
and `rows.xlsx` / `download.xlsx` / `rows.csv` are laid out from them by Arrow (xlsx_columns,
csv_columns) instead of a Python tuple per row. Every answer below is compared byte for byte
with what the row writers make of the same query's rows read from the store, on the session's
backend (the PostgreSQL pass runs this file against PostgreSQL). The test tables are the
storage contract's cases (test data, not the report's): nulls, -0.0, 1e16, control characters,
formulas, kana and kanji, a character outside the BMP, dates, booleans, repeated values.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import parse_qs, quote

import openpyxl
import pytest

from opendata import config
from opendata.app import create_app
from opendata.context import service
from opendata.formats import registry, xlsx_cells
from opendata.formats.table import resource_table
from opendata.publish.pipeline import publish_package
from opendata.publish.releases import open_release
from opendata.query.params import parse_query
from opendata.storage import columns, publishing_store
from tests.conftest import ClosingClient
from tests.crafted import write_package
from tests.storage import contract_data
from tests.storage.test_contract import PAGES

NAME = "columns-sample"  # test data: the contract's table with every amount a real
MIXED = contract_data.NAME  # the contract's own table: `amount` mixes 7 and 85.0
BASE = f"/api/v1/datasets/{NAME}/resources/{NAME}"
QUERIES = sorted(
    {
        "&".join(p for p in query.split("&") if not p.startswith(("limit=", "facet=")))
        for query in PAGES
        if "facet=" not in query
    }
)


def _real(amount: str) -> str:
    return amount if amount == "" or "." in amount or "e" in amount else f"{amount}.5"


@pytest.fixture(scope="module")
def published(tmp_path_factory, test_backend, request):
    root = tmp_path_factory.mktemp("columns")
    rows = contract_data.rows()
    for row in rows:
        row[2] = _real(row[2])
    write_package(root / "packages", NAME, contract_data.FIELDS, rows, ["id"], lineterminator="\r\n")
    contract_data.write_contract_package(root / "packages")
    url = request.getfixturevalue("postgres_url") if test_backend == "postgresql" else ""
    store = publishing_store({**config.defaults(), "DATABASE_URL": url})
    for name in (NAME, MIXED):
        outcome = publish_package(root / "packages" / name, root / "releases", None, store=store)
        assert outcome.status == "published", outcome.report
    app = create_app(
        {
            "RELEASES_DIR": str(root / "releases"),
            "CACHE_DIR": str(root / "cache"),
            "DATABASE_URL": url,
            "EXPORT_CACHE_BYTES": 0,
            "TESTING": True,
        }
    )
    app.test_client_class = ClosingClient
    return root / "releases", app


def _query(resource, query_string: str):
    args = parse_qs(query_string, keep_blank_values=True)
    return parse_query(resource, args, default_limit=100, max_limit=1000, extra_parameters=frozenset())


def _row_writer_bytes(app, name: str, query_string: str, extension: str = "xlsx", **options) -> bytes:
    """What the row writer makes of the query's rows as the store gives them."""
    with app.app_context():
        data = service()
        package, resource = data.resource(name, name, None)
        query = _query(resource, query_string)
        records = data.engine.iter_records(package, resource, query)
        table = resource_table(package, resource, list(query.fields or resource.field_names), records)
        return b"".join(registry.get(extension).chunks(table, **options))


def _columns_read(app, name: str) -> bool:
    with app.app_context():
        package, resource = service().resource(name, name, None)
        return service().engine.columns.table(columns.columns_path(package, resource)) is not None


def test_publishing_writes_the_columns_of_a_table_arrow_can_hold_as_stored(published):
    releases, app = published
    for name, written in ((NAME, True), (MIXED, False)):
        _, package = open_release(releases, name, "current")
        path = columns.columns_path(package, package.resources[0])
        assert path.is_file() is written, name
        if written:
            assert f"{columns.COLUMNS_DIR}/{NAME}.arrow" in package.manifest["files"]
    assert _columns_read(app, NAME) and not _columns_read(app, MIXED)


@pytest.mark.parametrize("query", [q for q in QUERIES if q])
def test_a_query_of_rows_xlsx_is_the_row_writers_bytes(published, query):
    _, app = published
    response = app.test_client().get(f"{BASE}/rows.xlsx?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == _row_writer_bytes(app, NAME, query)


def test_download_xlsx_is_the_row_writers_bytes_at_the_published_level(published):
    _, app = published
    response = app.test_client().get(f"{BASE}/download.xlsx")
    assert response.status_code == 200
    assert response.data == _row_writer_bytes(app, NAME, "", **registry.get("xlsx").published)


def test_values_read_back_are_the_csvs(published):
    """Not only the same bytes as before: openpyxl reads each cell as the CSV export has it."""
    _, app = published
    client = app.test_client()
    query = "sort=-ratio,id&fields=id,grp,ratio,day,flag,note"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{BASE}/rows.xlsx?{query}").data))["データ"]
    got = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = client.get(f"{BASE}/rows?{query}&limit=1000").get_json()["rows"]
    assert len(got) == len(expected) == contract_data.ROWS
    for cells, row in zip(got, expected, strict=True):
        assert cells[0] == row["id"]
        assert (cells[1] or None) == (row["grp"] or None)  # an empty text is an empty cell
        assert cells[2] == row["ratio"]
        assert (cells[3].date().isoformat() if cells[3] else None) == row["day"]
        assert cells[4] == row["flag"]
        assert (cells[5] or None) == (row["note"] or None)


def test_a_full_table_of_shared_strings_writes_the_same_inline_texts(published, monkeypatch):
    """Past the shared strings' bounds, a new text is an inline string: which texts those are
    depends on the order texts are met in, row by row and left to right, in both writers."""
    _, app = published
    monkeypatch.setattr(xlsx_cells, "SHARED_MAX_STRINGS", 5)
    monkeypatch.setattr(xlsx_cells, "SHARED_MAX_CHARACTERS", 40)
    query = "sort=-note,grp"
    data = app.test_client().get(f"{BASE}/rows.xlsx?{query}").data
    assert data == _row_writer_bytes(app, NAME, query)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert book.read("xl/sharedStrings.xml").count(b"<si>") == 5
        assert b'<is><t xml:space="preserve">a long note' in book.read("xl/worksheets/sheet1.xml")


def test_a_table_without_columns_is_written_from_its_rows(published):
    _, app = published
    base = f"/api/v1/datasets/{MIXED}/resources/{MIXED}"
    response = app.test_client().get(f"{base}/rows.xlsx?sort=amount")
    assert response.status_code == 200
    assert response.data == _row_writer_bytes(app, MIXED, "sort=amount")
    amounts = [
        r[2]
        for r in openpyxl.load_workbook(io.BytesIO(response.data))["データ"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert 7 in amounts and 85 in amounts


@pytest.mark.parametrize(
    ("values", "arrow_type"),
    [
        ([1, 2, None], "dictionary<values=int8, indices=int16, ordered=0>"),
        ([0.0, -0.0, 1e16], "dictionary<values=double, indices=int16, ordered=0>"),
        (["a", None, "𠮷"], "dictionary<values=string, indices=int16, ordered=0>"),
        ([True, False, None], "bool"),
        ([None, None], "int8"),
        ([2**40, -1], "dictionary<values=int64, indices=int16, ordered=0>"),
        ([7, 85.0], None),  # one type would make 7 a float
        ([2**70, 1], None),  # past 64 bits
        (["1", 1], None),
    ],
)
def test_a_column_keeps_its_values_as_stored_or_the_table_gets_none(tmp_path, values, arrow_type):
    path = tmp_path / "t.arrow"
    written = columns.write_columns(["v"], lambda: [[(v,) for v in values]], path)
    assert written is (arrow_type is not None)
    if written:
        table = columns.ColumnFiles().table(path)
        assert str(table.schema.field("v").type) == arrow_type
        read = table.column("v").to_pylist()
        assert [(type(v), repr(v)) for v in read] == [(type(v), repr(v)) for v in values]


def test_more_distinct_texts_than_a_dictionary_holds_are_kept_as_plain_text(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "DICTIONARY_MAX", 3)
    path = tmp_path / "t.arrow"
    texts = [f"t{i}" for i in range(10)]
    assert columns.write_columns(["v"], lambda: [[(t,) for t in texts]], path)
    table = columns.ColumnFiles().table(path)
    assert str(table.schema.field("v").type) == "large_string"
    assert table.column("v").to_pylist() == texts


def test_a_query_matching_no_row_is_a_sheet_of_its_header(published):
    _, app = published
    query = f"grp={quote('無い')}"
    response = app.test_client().get(f"{BASE}/rows.xlsx?{query}")
    assert response.data == _row_writer_bytes(app, NAME, query)
    assert openpyxl.load_workbook(io.BytesIO(response.data))["データ"].max_row == 1


@pytest.mark.parametrize("query", QUERIES)
def test_the_columns_at_a_querys_positions_are_the_rows_the_store_reads(published, monkeypatch, query):
    """positions() and the columns give what iter_batches gives, value for value and type for
    type, over many spans of positions (a span of 7 positions: 35 statements for 240 rows)."""
    monkeypatch.setattr(columns, "POSITION_SPAN", 7)
    _, app = published
    with app.app_context():
        data = service()
        package, resource = data.resource(NAME, NAME, None)
        parsed = _query(resource, query)
        batches = data.engine.iter_columns(package, resource, parsed, batch=10)
        assert batches is not None
        taken = [row for b in batches for row in zip(*(c.to_pylist() for c in b.columns), strict=True)]
        read = list(data.engine.iter_records(package, resource, parsed))
    assert [[(type(v), repr(v)) for v in row] for row in taken] == [
        [(type(v), repr(v)) for v in row] for row in read
    ]


CSV_FLAVOURS = [
    "",
    "encoding=utf-8-sig",
    "encoding=utf-8-sig&header=name&newline=lf",
    "newline=crlf&header=title",
]


def _row_writer_csv(app, name: str, query_string: str, flavour: str) -> bytes:
    """What batch_chunks (csv.writer over the store's rows) writes for the query."""
    from opendata.exports.csv_export import ENCODINGS, CsvFormat, batch_chunks, default_header

    options = {k: v[0] for k, v in parse_qs(flavour).items()}
    encoding = ENCODINGS[options.get("encoding", "utf-8")]
    fmt = CsvFormat(encoding, options.get("header") or default_header(encoding), options.get("newline"))
    with app.app_context():
        data = service()
        package, resource = data.resource(name, name, None)
        query = _query(resource, query_string)
        names = list(query.fields or resource.field_names)
        return b"".join(
            batch_chunks(resource, names, data.engine.iter_batches(package, resource, query), fmt)
        )


@pytest.mark.parametrize("flavour", CSV_FLAVOURS)
@pytest.mark.parametrize("query", [q for q in QUERIES if q] + ["fields=grp", "fields=note&sort=note"])
def test_a_query_of_rows_csv_is_csv_writers_bytes(published, query, flavour):
    _, app = published
    response = app.test_client().get(f"{BASE}/rows.csv?{query}&{flavour}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == _row_writer_csv(app, NAME, query, flavour)


@pytest.mark.parametrize("query", ["note__ne=𠮷野家&sort=-id", "fields=id,flag,day&sort=day"])
def test_a_cp932_export_from_the_columns_is_the_same_bytes(published, query):
    _, app = published
    response = app.test_client().get(f"{BASE}/rows.csv?{query}&encoding=cp932")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == _row_writer_csv(app, NAME, query, "encoding=cp932")
    assert response.data.decode("cp932").startswith("番号")


def test_a_cp932_export_of_a_character_it_cannot_hold_is_refused_before_any_byte(published):
    _, app = published
    response = app.test_client().get(f"{BASE}/rows.csv?sort=-note&encoding=cp932")
    assert response.status_code == 422
    assert response.get_json()["field"] == "note"


def test_cells_kept_between_exports_are_never_another_dictionarys():
    import pyarrow as pa

    from opendata.formats.arrow_cells import DistinctCells

    def cells(made, dictionary, indices):
        column = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int16()), pa.array(dictionary))
        return made.cells(made.prepare(column)[0]).to_pylist()

    def maker(calls):
        return lambda v: calls.append(v) or ("" if v is None else v.upper())

    key = ("test", b"sample/table", "v")
    first: list = []
    assert cells(DistinctCells(maker(first), memo=key), ["x", "y"], [0, 1, None]) == ["X", "Y", ""]
    assert first == [None, "x", "y"]
    again: list = []
    assert cells(DistinctCells(maker(again), memo=key), ["x", "y"], [1, 0]) == ["Y", "X"]
    assert again == [None]  # only its empty cell: the others were kept
    wider: list = []
    assert cells(DistinctCells(maker(wider), memo=key), ["x", "y", "w"], [2]) == ["W"]
    assert wider == [None, "w"]  # another dictionary (one value more): made afresh, then kept
    later: list = []
    assert cells(DistinctCells(maker(later), memo=key), ["x", "y", "w"], [2, 0]) == ["W", "X"]
    assert later == [None, "x"]  # "w", made by the export before, was kept; "x" is new to it
    other: list = []
    assert cells(DistinctCells(maker(other), memo=key), ["x", "z"], [1, 0]) == ["Z", "X"]
    assert other == [None, "z", "x"]  # another dictionary under the same key: made afresh


def test_rows_too_long_for_one_arrow_array_are_joined_a_half_at_a_time(published, monkeypatch):
    """An Arrow string array holds 2 GiB: a batch of very long texts past it is joined in halves
    (here the bound is lowered to 64 KB, and the join refuses past it as Arrow would)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from opendata.formats import arrow_cells

    _, app = published
    join = pc.binary_join_element_wise
    refused = []

    def bounded(*pieces):
        if sum(p.nbytes for p in pieces if isinstance(p, pa.Array)) > 65_536:
            refused.append(len(pieces[-1]) if isinstance(pieces[-1], pa.Array) else 0)
            raise pa.ArrowCapacityError("array cannot contain more than 65536 bytes")
        return join(*pieces)

    monkeypatch.setattr(arrow_cells, "ARRAY_BYTES", 65_536)
    monkeypatch.setattr(arrow_cells.pc, "binary_join_element_wise", bounded)
    client = app.test_client()
    assert client.get(f"{BASE}/rows.xlsx?sort=-note").data == _row_writer_bytes(app, NAME, "sort=-note")
    assert client.get(f"{BASE}/rows.csv?sort=note").data == _row_writer_csv(app, NAME, "sort=note", "")
    assert refused  # the halves were needed


@pytest.mark.parametrize("extension", ["parquet", "arrow", "ndjson"])
@pytest.mark.parametrize("query", [q for q in QUERIES if q] + ["grp=無い"])
def test_a_query_of_rows_parquet_arrow_or_ndjson_is_the_row_writers_bytes(published, query, extension):
    _, app = published
    response = app.test_client().get(f"{BASE}/rows.{extension}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == _row_writer_bytes(app, NAME, query, extension)


def test_download_parquet_is_the_row_writers_bytes(published):
    _, app = published
    response = app.test_client().get(f"{BASE}/download.parquet")
    assert response.status_code == 200
    assert response.data == _row_writer_bytes(app, NAME, "", "parquet")


def test_parquet_batches_of_the_columns_are_row_groups_of_65536_rows(tmp_path, monkeypatch):
    """Re-batched to the row writer's BATCH_ROWS whatever the batches taken from the columns."""
    import pyarrow as pa

    from opendata.formats import columnar

    monkeypatch.setattr(columnar, "BATCH_ROWS", 5)
    schema = pa.schema([pa.field("n", pa.int64()), pa.field("b", pa.bool_())])
    taken = [
        pa.record_batch(
            [pa.array(range(i, i + 3), pa.int16()), pa.array([1, 0, None], pa.int8())], ["n", "b"]
        )
        for i in (0, 3, 6, 9)
    ]
    tables = list(columnar._cast(taken, schema))
    assert [t.num_rows for t in tables] == [5, 5, 2]
    assert tables[0].column("n").to_pylist() == [0, 1, 2, 3, 4]
    assert tables[0].column("b").to_pylist() == [True, False, None, True, False]
    assert tables[0].schema == schema
    assert [t.num_rows for t in columnar._cast([], schema)] == [0]


def test_rows_are_taken_in_batches_of_the_size_asked_whatever_the_spans_of_positions():
    import pyarrow as pa

    table = pa.table({"n": list(range(100)), "t": [f"t{i}" for i in range(100)]})
    spans = [pa.array(p, pa.int64()) for p in ([5, 1, 9], [], [2] * 11, [100, 50], [7])]
    batches = list(columns.take(table, ["t"], spans, batch=4))
    assert [b.num_rows for b in batches] == [4, 4, 4, 4, 1]
    taken = [v for b in batches for v in b.column("t").to_pylist()]
    assert taken == [f"t{p - 1}" for s in spans for p in s.to_pylist()]


def test_a_process_keeps_at_most_its_bound_of_column_files_open(tmp_path):
    paths = [tmp_path / f"{n}.arrow" for n in "abc"]
    for n, path in enumerate(paths):
        assert columns.write_columns(["v"], lambda n=n: [[(n,)]], path)
    files = columns.ColumnFiles(size=2)
    first = files.table(paths[0])
    assert files.table(paths[0]) is first  # kept: the same mapped table
    files.table(paths[1])
    files.table(paths[2])  # the least recently used, paths[0], is let go
    assert files.table(paths[0]) is not first
    assert files.table(tmp_path / "none.arrow") is None
