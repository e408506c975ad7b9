"""Paging cursors are signed, and even a correctly signed one must hold values of the sort's types."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from opendata.query.cursors import SECRET_FILE, Cursors, cursor_secret

ROWS = "/api/v1/datasets/sample/resources/sample/rows"


def signed(client, payload: bytes) -> str:
    """A cursor signed with the server's own key: what a leaked key or an old schema could give."""
    cursors: Cursors = client.application.extensions["opendata"].engine.cursors
    encode = base64.urlsafe_b64encode
    signature = cursors._signature(payload)
    return f"{encode(payload).decode().rstrip('=')}.{encode(signature).decode().rstrip('=')}"


def issued(client, query: str) -> dict:
    """The payload of a real cursor for `query`: its shape and its values."""
    token = client.get(f"{ROWS}?{query}&limit=1").get_json()["next"].partition(".")[0]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


WRONG = ["{}", "[1]", "1e999", "true", '"text"']


def variants(values: list) -> list[str]:
    """JSON lists like `values` with one value of a wrong type, or of the wrong length."""
    out = []
    for position, value in enumerate(values):
        for wrong in WRONG:
            items = [json.dumps(v) for v in values]
            if wrong == '"text"' and not isinstance(value, int):
                continue  # text where text (or a null date) belongs is the right type
            items[position] = wrong
            out.append("[" + ",".join(items) + "]")
    out += [json.dumps(values[:-1]), json.dumps([*values, 1])]
    return out


@pytest.mark.parametrize("sort", ["-value", "indicator", "as_of_date,page"])
def test_signed_cursors_with_values_of_the_wrong_type_are_refused(sample_client, sort):
    real = issued(sample_client, f"sort={sort}")
    for values in variants(real["k"]):
        cursor = signed(sample_client, b'{"s":"' + real["s"].encode() + b'","k":' + values.encode() + b"}")
        response = sample_client.get(f"{ROWS}?sort={sort}&cursor={cursor}")
        assert response.status_code == 400, values
        assert response.get_json()["parameter"] == "cursor"
    integer = [v if not isinstance(v, int) else 10**30 for v in real["k"]]  # beyond 64 bits
    too_big = signed(sample_client, json.dumps({"s": real["s"], "k": integer}).encode())
    assert sample_client.get(f"{ROWS}?sort={sort}&cursor={too_big}").status_code == 400
    good = signed(sample_client, json.dumps(real).encode())
    assert sample_client.get(f"{ROWS}?sort={sort}&cursor={good}").status_code == 200


def test_a_cursor_with_a_wrong_signature_is_refused(sample_client):
    page = sample_client.get(f"{ROWS}?limit=1").get_json()
    payload, _, signature = page["next"].partition(".")
    tampered = f"{payload}.{'A' * len(signature)}"
    assert sample_client.get(f"{ROWS}?limit=1&cursor={page['next']}").status_code == 200
    assert sample_client.get(f"{ROWS}?limit=1&cursor={tampered}").status_code == 400


def test_a_cursor_of_another_query_is_refused(sample_client):
    page = sample_client.get(f"{ROWS}?limit=1&sort=page").get_json()
    response = sample_client.get(f"{ROWS}?limit=1&sort=-page&cursor={page['next']}")
    assert response.status_code == 400
    assert "different sort" in response.get_json()["detail"]


def test_the_generated_key_is_kept_private_and_shared(tmp_path):
    first = cursor_secret("", tmp_path)
    assert cursor_secret("", tmp_path) == first  # every worker and restart signs alike
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert len(first) == 64
    assert cursor_secret("configured", tmp_path) == b"configured"


def test_a_cursor_holds_whatever_order_the_parameters_come_in(sample_client):
    page = sample_client.get(f"{ROWS}?limit=1&fiscal_year__gte=2000&page__gte=1").get_json()
    response = sample_client.get(f"{ROWS}?page__gte=1&cursor={page['next']}&fiscal_year__gte=2000&limit=1")
    assert response.status_code == 200
