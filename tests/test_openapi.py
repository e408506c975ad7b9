"""The OpenAPI documents are valid and complete, and say what the API really returns."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

RESOURCE = "/api/v1/datasets/sample/resources/sample"
PROBLEM_JSON = "application/problem+json"


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                yield path, method, operation


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", f"{RESOURCE}/openapi.json"])
def test_document_is_valid_openapi(sample_client, path):
    response = sample_client.get(path)
    assert response.status_code == 200
    validate(response.get_json())


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", f"{RESOURCE}/openapi.json"])
def test_every_error_response_is_problem_json(sample_client, path):
    document = sample_client.get(path).get_json()
    components = document["components"].get("responses", {})
    for where, _, operation in operations(document):
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                if "$ref" in response:
                    response = components[response["$ref"].rsplit("/", 1)[1]]
                assert list(response["content"]) == [PROBLEM_JSON], (where, status)


def test_rows_csv_documents_its_format_parameters(sample_client):
    document = sample_client.get("/api/v1/openapi.json").get_json()
    rows_csv = document["paths"]["/api/v1/datasets/{name}/resources/{resource}/rows.csv"]["get"]
    documented = {p["name"]: p for p in rows_csv["parameters"]}
    assert {"encoding", "header", "newline", "sort", "fields", "filters"} <= set(documented)
    assert documented["encoding"]["schema"]["enum"] == ["cp932", "shift_jis", "utf-8", "utf-8-sig"]
    assert documented["newline"]["schema"]["enum"] == ["crlf", "lf"]
    assert rows_csv["responses"]["200"]["content"] == {"text/csv": {"schema": {"type": "string"}}}


def test_resource_document_lists_real_fields_types_operators_and_enums(sample_client):
    document = sample_client.get(f"{RESOURCE}/openapi.json").get_json()
    rows = document["paths"][f"{RESOURCE}/rows"]["get"]
    parameters = {p["name"]: p["schema"] for p in rows["parameters"]}
    assert parameters["fiscal_year"]["type"] == "integer"
    assert parameters["value__gte"] == {"type": "number"}
    assert parameters["as_of_date__lt"] == {"type": "string", "format": "date"}
    assert parameters["figure_type"]["enum"] == ["actual", "approximate", "planned", "target"]
    assert parameters["figure_type__in"]["items"]["enum"] == ["actual", "approximate", "planned", "target"]
    assert parameters["indicator__contains"] == {"type": "string"}
    assert parameters["is_partial"] == {"type": "string", "enum": ["0", "1", "false", "true"]}
    assert "fiscal_year__contains" not in parameters  # text fields only, as the parser says
    assert parameters["limit"]["maximum"] == 1000
    row = document["components"]["schemas"]["Row"]["properties"]
    assert row["id"] == {"type": "integer", "title": "番号"}  # required: never null
    assert row["value"] == {"type": "number", "title": "値", "nullable": True}
    assert document["paths"][f"{RESOURCE}/rows.csv"]["get"]["parameters"][-3]["name"] == "encoding"


def test_resource_document_of_a_missing_resource_is_a_problem(sample_client):
    response = sample_client.get("/api/v1/datasets/sample/resources/nope/openapi.json")
    assert response.status_code == 404
    assert response.content_type == PROBLEM_JSON
