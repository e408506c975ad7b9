"""CSV that cannot be turned against its reader: a corpus of hostile cells, every flavour.

Each file is decoded by Python's csv module (every cell comes back whole, in its row) and
opened by LibreOffice headless with the riskiest import options (evaluate formulas, trim
spaces), asserting that no cell of the Excel flavours becomes a formula and no row splits.
The cells are test data, written for this test.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from opendata.exports.csv_export import neutralise
from tests.conftest import ClosingClient, published_app, require
from tests.crafted import write_package

# Cells a spreadsheet might run, split rows on, or mis-quote.
CORPUS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1;2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "   +1+1",
    "a\r=1+1",
    "a\n=1+1",
    "a\r\n=1+1",
    "ends with CR\r",
    "comma, then =1+1",
    'quote " inside',
    '"=1+1"',
    "＝1+1",
    "＋1+1",
    "－",
    "＠SUM(1;2)",
    "\u3000=1+1",
    '=HYPERLINK("http://example.invalid";"x")',
    "普通の値",
    "",
]
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号"},
    {"name": "cell", "type": "string", "title": "=1+1見出し"},  # a title that looks like a formula
]
ROWS = [[i, cell] for i, cell in enumerate(CORPUS)]
CHARSETS = {"utf-8": "76", "utf-8-sig": "76", "cp932": "64"}  # LibreOffice's encoding numbers
# Separator, quote, charset, first line, …, evaluate formulas: the options most eager to run one.
FILTER = "CSV:44,34,{charset},1,,0,false,true,false,false,true,-1,true"
FLAVOURS = [(e, n) for e in ("utf-8", "utf-8-sig", "cp932") for n in ("lf", "crlf")]
# The same export by every path: stored lines, stored lines in another order, per-cell
# conversion (a choice of fields), a filter, and the file built once per version.
QUERIES = ["rows.csv?sort=-id", "rows.csv?fields=id,cell&sort=id", "rows.csv?id__gte=0", "download.csv"]


@pytest.fixture(scope="module")
def corpus_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    write_package(root / "packages", "corpus", FIELDS, ROWS, ["id"], lineterminator="\r\n")
    app = published_app(root / "packages", root)
    app.test_client_class = ClosingClient
    return app.test_client()


def fetch(client, query: str, encoding: str, newline: str, header: str = "name") -> bytes:
    path, _, extra = query.partition("?")
    extra = f"&{extra}" if extra else ""
    url = f"/api/v1/datasets/corpus/resources/corpus/{path}?encoding={encoding}&newline={newline}"
    response = client.get(f"{url}&header={header}{extra}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def decoded(body: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(encoding), newline="")))


@pytest.mark.parametrize(("encoding", "newline"), FLAVOURS)
@pytest.mark.parametrize("query", QUERIES)
def test_every_cell_comes_back_whole_in_its_row(corpus_client, query, encoding, newline):
    rows = decoded(fetch(corpus_client, query, encoding, newline), encoding)
    excel = encoding != "utf-8"
    assert rows[0] == ["id", "cell"]
    by_id = {int(row[0]): row[1] for row in rows[1:]}
    assert len(rows) == len(CORPUS) + 1  # no cell broke its row
    assert by_id == {i: (neutralise(c) if excel else c) for i, c in enumerate(CORPUS)}


@pytest.mark.parametrize(("encoding", "newline"), FLAVOURS)
def test_no_bare_carriage_return_or_line_feed_outside_quotes(corpus_client, encoding, newline):
    body = fetch(corpus_client, "rows.csv?sort=id", encoding, newline).decode(encoding)
    terminator = "\r\n" if newline == "crlf" else "\n"
    outside = "".join(part for i, part in enumerate(body.split('"')) if i % 2 == 0)
    assert outside.replace(terminator, "").count("\r") == 0
    assert outside.replace(terminator, "").count("\n") == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_excel_flavours_neutralise_header_titles(corpus_client, encoding):
    rows = decoded(fetch(corpus_client, "rows.csv?sort=id", encoding, "crlf", header="title"), encoding)
    assert rows[0] == ["番号", "'=1+1見出し"]


def test_utf8_keeps_header_titles_as_they_are(corpus_client):
    rows = decoded(fetch(corpus_client, "rows.csv?sort=id", "utf-8", "lf", header="title"), "utf-8")
    assert rows[0] == ["番号", "=1+1見出し"]


def spreadsheet(path: Path) -> tuple[int, list[str]]:
    """Rows and the formulas of a flat ODF spreadsheet LibreOffice wrote."""
    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    }
    tree = ET.parse(path)
    rows = tree.findall(".//table:table-row", ns)
    formula = f"{{{ns['table']}}}formula"
    formulas = [c.get(formula) for c in tree.iter(f"{{{ns['table']}}}table-cell") if c.get(formula)]
    return len(rows), formulas


def test_libreoffice_runs_no_cell_of_the_excel_flavours(corpus_client, tmp_path):
    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    files: dict[str, list[Path]] = {"76": [], "64": []}
    for encoding, newline in FLAVOURS:
        for number, query in enumerate(QUERIES):
            path = tmp_path / f"{encoding}-{newline}-{number}.csv"
            path.write_bytes(fetch(corpus_client, query, encoding, newline, header="title"))
            files[CHARSETS[encoding]].append(path)
    out = tmp_path / "out"
    for charset, paths in files.items():
        command = [
            str(soffice),
            f"-env:UserInstallation=file://{tmp_path}/profile",  # its own profile: never another's lock
            "--headless",
            f"--infilter={FILTER.format(charset=charset)}",
            "--convert-to",
            "fods",
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=240)
    for encoding, newline in FLAVOURS:
        for number in range(len(QUERIES)):
            rows, formulas = spreadsheet(out / f"{encoding}-{newline}-{number}.fods")
            assert rows == len(CORPUS) + 1, (encoding, newline, number)  # no row split
            if encoding != "utf-8":
                assert formulas == [], (encoding, newline, number)
            else:
                # UTF-8 is byte-faithful by design: LibreOffice runs exactly the cells that
                # start with "=" (after spaces, with trimming on) and the title, nothing else.
                starts = [c for c in CORPUS if c.lstrip(" ").startswith("=")]
                assert len(formulas) == len(starts) + 1, (newline, number, formulas)
