"""Every registry format through HTTP, read back by real clients and checked against the CSV."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from opendata.formats import registry
from tests import formats_sample as sample
from tests import libreoffice
from tests.conftest import ClosingClient, published_app

BASE = f"/api/v1/datasets/{sample.NAME}/resources/{sample.NAME}"
QUERIES = ["", "channel=電話", "fiscal_year__gte=2021&sort=-consultations", "fields=id,note,as_of,is_partial"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formats")
    sample.write(tmp / "packages")
    app = published_app(tmp / "packages", tmp)
    app.test_client_class = ClosingClient
    return app.test_client()


def reference(client, query: str) -> list[dict]:
    """The rows of the same query as CSV, typed by the schema: what every format must hold."""
    response = client.get(f"{BASE}/rows.csv?{query}")
    assert response.status_code == 200
    return sample.typed(response.get_data(as_text=True))


def path_for(kind: str, ext: str, query: str) -> str:
    return f"{BASE}/download.{ext}" if kind == "download" else f"{BASE}/rows.{ext}?{query}"


CASES = [("rows", q) for q in QUERIES] + [("download", "")]


def xlsx_rows(data: bytes) -> tuple[list[str], list[dict]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["データ"]
    values = list(sheet.iter_rows(values_only=True))
    titles = {f["title"]: f["name"] for f in sample.FIELDS}
    names = [titles[t] for t in values[0]]
    rows = []
    for record in values[1:]:
        rows.append(
            {n: v.date() if isinstance(v, datetime) else v for n, v in zip(names, record, strict=True)}
        )
    return list(values[0]), rows


@pytest.mark.parametrize(("kind", "query"), CASES)
def test_xlsx_holds_the_csv_values_typed(client, kind, query):
    response = client.get(path_for(kind, "xlsx", query))
    assert response.status_code == 200
    assert response.content_type == registry.get("xlsx").media_type
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    _, rows = xlsx_rows(response.data)
    assert rows == reference(client, query)


def test_xlsx_sheets_header_and_text_cells(client):
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{BASE}/download.xlsx").data))
    assert book.sheetnames == ["データ", "項目定義", "メタデータ"]
    sheet = book["データ"]
    assert [c.value for c in sheet[1]] == [f["title"] for f in sample.FIELDS]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:I{sample.ROWS + 1}"
    assert sheet.column_dimensions["I"].width >= len('comma, "quote"')
    notes = [row[8] for row in sheet.iter_rows(min_row=2)]
    formula_like = [c for c in notes if c.value in ("=1+1", "#N/A")]
    assert formula_like and all(c.data_type == "s" for c in formula_like)  # text, never a formula
    first = {
        f["name"]: c for f, c in zip(sample.FIELDS, next(sheet.iter_rows(min_row=2, max_row=2)), strict=True)
    }
    assert first["id"].data_type == "n" and first["region"].data_type == "s"
    assert first["is_partial"].data_type == "b" and first["as_of"].is_date
    assert first["as_of"].number_format == "yyyy-mm-dd"
    dictionary = {r[0]: r for r in book["項目定義"].iter_rows(values_only=True)}
    assert dictionary["consultations"][:4] == ("consultations", "相談件数", "integer", "件")
    assert dictionary["note"] == ("note", "備考", "string", None, "テスト用の備考")
    meta = dict(book["メタデータ"].iter_rows(values_only=True))
    assert (
        meta["出典 / source"] == "テスト"
        and meta["項目 / section"] == "1(1)"
        and meta["ページ / page"] == "3"
    )
    assert (
        meta["ライセンス / licence"].startswith("CC-BY-4.0")
        and meta["クレジット表記 / attribution"] == "テスト用"
    )
    assert len(meta["リリース / release"]) == 16


def test_libreoffice_reads_the_xlsx_as_the_csv(client, tmp_path):
    header, *lines = libreoffice.csv_rows(client.get(f"{BASE}/download.xlsx").data, tmp_path)
    assert header == [f["title"] for f in sample.FIELDS]
    expected = reference(client, "")
    assert len(lines) == len(expected)
    kinds = [f["type"] for f in sample.FIELDS]
    for line, row in zip(lines, expected, strict=True):
        read = [_libreoffice_cell(kind, text) for kind, text in zip(kinds, line, strict=True)]
        assert read == list(row.values())


def _libreoffice_cell(kind: str, text: str):
    if kind == "boolean" and text:
        return text.upper() == "TRUE"
    return sample.convert(kind, text)


@pytest.mark.parametrize(("kind", "query"), CASES)
def test_parquet_holds_the_csv_values_with_schema_types(client, kind, query):
    response = client.get(path_for(kind, "parquet", query))
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.data))
    types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32()}
    for field in sample.FIELDS:
        if field["name"] in table.schema.names:
            assert table.schema.field(field["name"]).type == types.get(field["type"], pa.string())
    assert table.to_pylist() == reference(client, query)
    stated = json.loads(table.schema.metadata[b"frictionless:schema"])
    assert [f["name"] for f in stated["fields"]] == table.schema.names
    meta = json.loads(table.schema.metadata[b"opendata:metadata"])
    assert meta["source"] == "テスト" and meta["page"] == "3"


def test_duckdb_reads_the_parquet_with_the_right_types(client, tmp_path):
    path = tmp_path / "table.parquet"
    path.write_bytes(client.get(f"{BASE}/download.parquet").data)
    connection = duckdb.connect()
    described = {
        row[0]: row[1]
        for row in connection.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    }
    assert described == {
        "id": "BIGINT",
        "region": "VARCHAR",
        "channel": "VARCHAR",
        "fiscal_year": "BIGINT",
        "consultations": "BIGINT",
        "rate": "DOUBLE",
        "is_partial": "BOOLEAN",
        "as_of": "DATE",
        "note": "VARCHAR",
    }
    total, first = connection.execute(
        f"SELECT sum(consultations), min(as_of) FROM read_parquet('{path}') WHERE channel = '電話'"
    ).fetchone()
    rows = [r for r in reference(client, "channel=電話")]
    assert total == sum(r["consultations"] or 0 for r in rows)
    assert first == min(r["as_of"] for r in rows if r["as_of"]) and isinstance(first, date)


@pytest.mark.parametrize("query", QUERIES)
def test_ndjson_is_one_json_row_per_line(client, query):
    response = client.get(f"{BASE}/rows.ndjson?{query}")
    assert response.status_code == 200 and response.content_type == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    pages = client.get(f"{BASE}/rows?limit=1000&{query}").get_json()["rows"]
    assert lines == pages
    assert [
        {k: (date.fromisoformat(v) if k == "as_of" and v else v) for k, v in r.items()} for r in lines
    ] == [
        {k: (float(v) if k == "rate" and v is not None else v) for k, v in r.items()}
        for r in reference(client, query)
    ]


def test_empty_query_is_still_a_readable_file(client):
    for ext in ("xlsx", "parquet", "ndjson"):
        response = client.get(f"{BASE}/rows.{ext}?id=-1")
        assert response.status_code == 200
    assert pq.read_table(io.BytesIO(client.get(f"{BASE}/rows.parquet?id=-1").data)).num_rows == 0
    assert xlsx_rows(client.get(f"{BASE}/rows.xlsx?id=-1").data)[1] == []


@pytest.fixture
def tiny_xlsx_limit():
    """Excel's limit lowered to 10 rows, so 'too many rows' can be shown on a small table."""
    fmt = registry.get("xlsx")
    before = fmt.max_rows
    object.__setattr__(fmt, "max_rows", 10)
    yield fmt
    object.__setattr__(fmt, "max_rows", before)


def test_xlsx_past_the_row_limit_is_a_400_pointing_to_csv_and_parquet(client, tiny_xlsx_limit):
    response = client.get(f"{BASE}/rows.xlsx?fiscal_year=2021")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("result-too-large") and problem["max_rows"] == 10
    assert [a.rsplit("/", 1)[-1] for a in problem["alternatives"]] == [
        "rows.csv?fiscal_year=2021",
        "rows.parquet?fiscal_year=2021",
    ]
    assert client.get(f"{BASE}/rows.xlsx?id__lte=10").status_code == 200


def test_a_prebuilt_xlsx_too_large_is_refused_at_publish_time(tmp_path, tiny_xlsx_limit):
    sample.write(tmp_path / "packages")
    app = published_app(tmp_path / "packages", tmp_path)
    app.test_client_class = ClosingClient
    response = app.test_client().get(f"{BASE}/download.xlsx")
    assert response.status_code == 400
    assert response.get_json()["alternatives"][1].endswith("/download.parquet")
    assert app.test_client().get(f"{BASE}/download.parquet").status_code == 200


def test_every_registry_format_has_its_paths_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    prefix = "/api/v1/datasets/{name}/resources/{resource}"
    for fmt in registry.streamed():
        assert f"{prefix}/rows.{fmt.extension}" in paths
        assert f"{prefix}/summary.{fmt.extension}" in paths
    for fmt in registry.prebuilt():
        assert f"{prefix}/download.{fmt.extension}" in paths


def test_downloads_are_strong_etagged_and_take_no_parameters(client):
    first = client.get(f"{BASE}/download.parquet")
    again = client.get(f"{BASE}/download.parquet", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get(f"{BASE}/download.xlsx?sort=id")
    assert refused.status_code == 400 and refused.get_json()["parameter"] == "sort"
    for path in ("rows.xlsx?encoding=cp932", "rows.parquet?limit=5"):
        refused = client.get(f"{BASE}/{path}")
        assert (
            refused.status_code == 400 and refused.get_json()["parameter"] == path.split("?")[1].split("=")[0]
        )


def test_every_output_lists_the_registry_formats(client):
    """API links, the zip and schema.org distributions all name each prebuilt format."""
    import zipfile

    detail = client.get(f"/api/v1/datasets/{sample.NAME}").get_json()
    links = detail["resources"][0]["links"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/datasets/{sample.NAME}/download.zip").data))
    jsonld = client.get(f"/dataset/{sample.NAME}.schemaorg.jsonld").get_json()
    offered = {d["encodingFormat"]: d["contentUrl"] for d in jsonld["distribution"]}
    for fmt in registry.prebuilt():
        download = links[f"download_{fmt.name}"]
        assert download.endswith(f"{BASE}/download.{fmt.extension}")
        member = archive.read(f"{sample.NAME}/data/{sample.NAME}.{fmt.extension}")
        assert member == client.get(f"{BASE}/download.{fmt.extension}").data
        assert offered[fmt.media_type] == download
    for fmt in registry.streamed():
        if fmt.name != "csv":
            assert client.get(links[f"rows_{fmt.name}"]).status_code == 200
    assert client.get(links["summary"]).get_json()["rows"] == [{"count": sample.ROWS}]


@pytest.mark.parametrize("fmt", registry.streamed(), ids=lambda f: f.name)
def test_every_streamed_format_answers_rows_and_summaries(client, fmt):
    for path in (f"rows.{fmt.extension}?channel=電話", f"summary.{fmt.extension}?group_by=channel"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 200 and response.mimetype == fmt.media_type
        assert response.data and response.headers["Content-Disposition"].endswith(f".{fmt.extension}")


@pytest.mark.parametrize("query", QUERIES)
def test_arrow_stream_holds_the_csv_values_with_schema_types(client, query):
    response = client.get(f"{BASE}/rows.arrow?{query}")
    table = pa.ipc.open_stream(io.BytesIO(response.data)).read_all()
    assert table.to_pylist() == reference(client, query)
    if "as_of" in table.schema.names:
        assert table.schema.field("as_of").type == pa.date32()
    assert json.loads(table.schema.metadata[b"opendata:metadata"])["section"] == "1(1)"


@pytest.mark.parametrize("ext", [f.extension for f in registry.prebuilt()])
def test_an_unfiltered_query_is_the_file_written_at_publish_time(client, ext):
    assert client.get(f"{BASE}/rows.{ext}").data == client.get(f"{BASE}/download.{ext}").data


@pytest.mark.parametrize("path", ["rows.csv", "rows.xlsx", "rows.parquet", "rows.ndjson"])
@pytest.mark.parametrize("parameter", ["limit", "cursor"])
def test_paging_a_whole_export_is_a_400_naming_the_parameter_and_the_path(client, path, parameter):
    problem = client.get(f"{BASE}/{path}?{parameter}=5").get_json()
    assert problem["status"] == 400 and problem["parameter"] == parameter
    assert problem["detail"] == f"{parameter}: {path} returns every matching row; page with /rows instead"


@pytest.mark.parametrize("path", ["rows.xlsx", "rows.parquet", "rows.ndjson"])
def test_a_query_on_a_table_within_the_formats_limit_is_not_counted_before_streaming(
    client, monkeypatch, path
):
    engine = client.application.extensions["opendata"].engine
    counted, count = [], engine.count
    monkeypatch.setattr(engine, "count", lambda p, r, q: counted.append(q.filters) or count(p, r, q))
    assert client.get(f"{BASE}/{path}?fiscal_year=2021").status_code == 200
    assert counted and not any(counted)  # the table's own row count, never the query's


def test_a_query_on_a_table_past_the_limit_is_counted_before_streaming(client, monkeypatch, tiny_xlsx_limit):
    engine = client.application.extensions["opendata"].engine
    counted, count = [], engine.count
    monkeypatch.setattr(engine, "count", lambda p, r, q: counted.append(q.filters) or count(p, r, q))
    assert client.get(f"{BASE}/rows.xlsx?id__lte=10").status_code == 200
    assert any(counted)
