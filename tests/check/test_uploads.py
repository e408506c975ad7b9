"""Bad uploads get a clear 4xx problem (API), an error page (web) or one line (CLI): never a
500, a hang or a memory blow-up. Encodings are detected and reported."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from click.testing import CliRunner

from opendata.check import check_bytes
from opendata.check.safety import OLE_MAGIC
from opendata.cli import main
from tests.check import workbooks as wb

BASE_X = wb.xlsx(wb.BASE)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))  # 64 MiB of zeros, ~64 KiB zipped
    return out.getvalue()


def with_dtd(name: str, data: bytes) -> bytes:
    if name == "xl/workbook.xml":
        return XXE + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
    return data


def garbage_sheet(name: str, data: bytes) -> bytes:
    return b"<worksheet><sheetData><row><c r=" if name.startswith("xl/worksheets/") else data


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


BAD = [
    ("zip-bomb", "bomb.xlsx", zip_bomb(), 422, "unsafe-file"),
    ("xml-entities", "entities.xlsx", wb.rezip(BASE_X, with_dtd), 422, "unsafe-file"),
    (
        "password",
        "secret.xlsx",
        OLE_MAGIC + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le"),
        422,
        "encrypted-file",
    ),
    ("old-xls", "old.xls", OLE_MAGIC + b"\0" * 512, 415, "unsupported-file"),
    ("truncated", "cut.xlsx", BASE_X[: len(BASE_X) // 2], 422, "corrupt-file"),
    ("garbage-sheet", "broken.xlsx", wb.rezip(BASE_X, garbage_sheet), 422, "corrupt-file"),
    ("not-a-zip", "fake.xlsx", b"hello, I am text", 422, "corrupt-file"),
    (
        "macro-part",
        "macro.xlsx",
        wb.rezip(BASE_X, lambda n, d: d, {"xl/vbaProject.bin": b"VBA"}),
        422,
        "macro-file",
    ),
    ("macro-name", "macro.xlsm", BASE_X, 422, "macro-file"),
    ("pdf", "report.pdf", b"%PDF-1.7\n...", 415, "unsupported-file"),
    ("png-as-csv", "image.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 415, "unsupported-file"),
    ("docx-as-xlsx", "letter.xlsx", docx(), 415, "unsupported-file"),
    ("utf-16", "wide.csv", "a,b\n1,2\n".encode("utf-16"), 415, "unsupported-file"),
    ("no-encoding", "odd.csv", b"a,b\n\x81\xff,\xfd\n", 415, "unsupported-file"),
    ("empty", "empty.csv", b"", 415, "unsupported-file"),
]


@pytest.mark.parametrize(("case", "name", "data", "status", "slug"), BAD, ids=[b[0] for b in BAD])
def test_bad_upload_is_a_4xx_problem_naming_the_file(client, case, name, data, status, slug):
    started = time.monotonic()
    response = client.post(
        "/api/v1/check", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith(f"#{slug}") and body["parameter"] == "file" and body["detail"]
    assert time.monotonic() - started < 10  # refused early, not after expanding the bomb


@pytest.mark.parametrize(("case", "name", "data", "status", "slug"), BAD[:6], ids=[b[0] for b in BAD[:6]])
def test_bad_file_on_the_command_line_is_one_line(tmp_path, case, name, data, status, slug):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("opendata: error:") and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("setting", "value", "status", "slug"),
    [
        ("CHECK_MAX_UPLOAD_BYTES", 1000, 413, "file-too-large"),
        ("CHECK_MAX_WEB_CELLS", 10, 413, "too-many-cells"),
        ("CHECK_MAX_UNZIPPED_BYTES", 1000, 422, "unsafe-file"),
    ],
)
def test_limits_are_settings(setting, value, status, slug, tmp_path):
    from opendata.app import create_app

    app = create_app({"CACHE_DIR": str(tmp_path), "TESTING": True, setting: value})
    response = app.test_client().post(
        "/api/v1/check",
        data={"file": (io.BytesIO(wb.xlsx(wb.BASE * 20)), "big.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == status and response.get_json()["type"].endswith(f"#{slug}")


def test_missing_file_and_bad_language_name_the_parameter(client):
    response = client.post("/api/v1/check", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["parameter"] == "file"
    response = client.post(
        "/api/v1/check?lang=fr",
        data={"file": (io.BytesIO(b"a\n1\n"), "t.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.get_json()["parameter"] == "lang"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("cp932", b"", "cp932")],
)
def test_the_encoding_is_detected_and_reported(client, encoding, prefix, expected):
    data = prefix + wb.text(wb.BASE, encoding=encoding)
    report = check_bytes(data, "t.csv", wb.LIMITS)
    assert report.encoding == expected and not report.failed
    body = client.post(
        "/api/v1/check?lang=en",
        data={"file": (io.BytesIO(data), "t.csv")},
        content_type="multipart/form-data",
    ).get_json()
    assert body["encoding"] == expected and body["format"] == "csv"
    assert body["sheets"] == ["t.csv"] and body["score"] == {"L1": 100, "L2": 100, "L3": 100}


def test_the_json_report_has_the_documented_shape(client):
    data = wb.xlsx(wb.grid({(2, 0): None}), wb.merge("A2:A3"))
    body = client.post(
        "/api/v1/check", data={"file": (io.BytesIO(data), "m.xlsx")}, content_type="multipart/form-data"
    ).get_json()
    assert set(body) == {"file", "format", "encoding", "sheets", "lang", "score", "rules", "ruleSource"}
    assert set(body["score"]) == {"L1", "L2", "L3"} and len(body["rules"]) == 30
    merged = next(r for r in body["rules"] if r["id"] == "L1-12")
    assert merged["passed"] is False and merged["oldIds"] == ["1-4"] and merged["fix"]
    assert merged["violations"][0] == {
        "sheet": "Sheet",
        "cell": "A2:A3",
        "row": 2,
        "column": 1,
        "message": "A2:A3 が結合されています。",
    }
    assert next(r for r in body["rules"] if r["id"] == "L3-02")["passed"] is None


def test_cli_json_and_english(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(wb.xlsx(wb.BASE, wb.merge("C2:C3")))
    result = CliRunner().invoke(main, ["check", "--json", str(path)])
    assert result.exit_code == 1
    import json

    body = json.loads(result.stdout)
    assert next(r for r in body["rules"] if r["id"] == "L1-12")["violations"][0]["cell"] == "C2:C3"
    english = CliRunner().invoke(main, ["check", "--lang", "en", str(path)]).output
    assert "[FAILED] L1-12 (old 1-4) [Excel] No merged cells" in english and "C2:C3 is merged." in english
    passing = tmp_path / "ok.csv"
    passing.write_bytes(wb.text(wb.BASE))
    ok = CliRunner().invoke(main, ["check", str(passing)])
    assert ok.exit_code == 0 and "文字コード: UTF-8（BOMなし）" in ok.output


def test_uploads_are_never_written_to_disk(client, monkeypatch):
    import werkzeug.formparser

    def refuse(*args, **kwargs):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    big = wb.text(wb.BASE[:1] + wb.BASE[1:] * 20000)  # ~2 MB, above Werkzeug's 500 KB spooling threshold
    assert len(big) > 1_000_000
    boundary = "checkboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/api/v1/check", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["format"] == "csv"


def test_a_sheet_declaring_a_giant_size_is_not_walked_cell_by_cell(client):
    """A1 and XFD1048576 filled: a million rows of 16,384 cells if padded; refused quickly instead."""

    def giant(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'
            + b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(2, 3000))
            + b"</sheetData></worksheet>"
        )

    started = time.monotonic()
    data = wb.rezip(BASE_X, giant)
    response = client.post(
        "/api/v1/check", data={"file": (io.BytesIO(data), "giant.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413 and response.get_json()["type"].endswith("#too-many-cells")
    assert time.monotonic() - started < 20


def test_the_check_endpoint_is_documented_in_openapi(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/check"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "413", "415", "422"} <= set(operation["responses"])
    assert operation["summary"] == "Check a spreadsheet's machine readability"


def test_the_command_line_takes_more_cells_than_a_request(tmp_path):
    from dataclasses import replace

    from opendata import config, errors
    from opendata.check import Limits, check_file

    settings = config.defaults() | {"CHECK_MAX_WEB_CELLS": 10, "CHECK_MAX_CELLS": 1000}
    path = tmp_path / "t.xlsx"
    path.write_bytes(wb.xlsx(wb.BASE * 5))
    assert check_file(path, Limits.from_settings(settings)).file == "t.xlsx"
    with pytest.raises(errors.TooManyCells):
        check_file(path, Limits.from_settings(settings, web=True))
    with pytest.raises(errors.TooManyCells):
        check_file(path, replace(Limits.from_settings(settings), max_cells=10))


def test_only_the_file_name_is_echoed(client):
    data = {"file": (io.BytesIO(wb.text(wb.BASE)), "../../secret/dir/table.csv")}
    body = client.post("/api/v1/check", data=data, content_type="multipart/form-data").get_json()
    assert body["file"] == "table.csv" and body["sheets"] == ["table.csv"]
