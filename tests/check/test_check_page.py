"""The /check page through the Flask test client: the form, the report as a page, the reasons."""

from __future__ import annotations

import io

import pytest

from tests.check import workbooks as wb


def test_the_form_explains_the_limits_and_links_the_api(client):
    page = client.get("/check").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'for="file"' in page and "20 MB" in page
    assert "POST /api/v1/check" in page
    assert "Machine-readability check" in client.get("/check?lang=en").get_data(as_text=True)


def test_an_upload_gives_the_report_as_a_page(client):
    data = wb.xlsx(wb.grid({(2, 0): None}), wb.merge("A2:A3"))
    response = client.post(
        "/check?lang=en", data={"file": (io.BytesIO(data), "sample.xlsx")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Check report: sample.xlsx" in page and 'id="rule-L1-12"' in page and "A2:A3 is merged." in page
    assert "2020 rule 1-4" in page and "Level 3 rules" in page


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("x.pdf", b"%PDF", 415, "only .xlsx, .csv and .tsv"),
        ("x.xlsm", wb.xlsx(wb.BASE), 422, "macro"),
        ("x.xlsx", b"PK\x03\x04broken", 422, "damaged"),
    ],
)
def test_a_bad_file_shows_the_form_with_the_reason_and_status(client, name, data, status, words):
    response = client.post(
        "/check", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == status and 'role="alert"' in page and words in page
    assert 'aria-invalid="true"' in page
    assert {415: "チェックできるのは", 422: "保存し"}[status] in page  # the reason in the page's language


def test_no_file_chosen_is_a_400_with_the_form(client):
    response = client.post("/check", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)


def test_an_oversized_upload_shows_the_form_with_413(tmp_path):
    from opendata.app import create_app

    app = create_app({"CACHE_DIR": str(tmp_path), "TESTING": True, "CHECK_MAX_UPLOAD_BYTES": 1000})
    data = {"file": (io.BytesIO(b"a,b\n" * 100_000), "big.csv")}
    response = app.test_client().post("/check", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and 'role="alert"' in page and "ファイルが大きすぎます" in page
