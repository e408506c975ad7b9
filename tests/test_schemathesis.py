"""schemathesis over the global OpenAPI document and one resource's own document.

Positive and negative data (`--mode all`), every check schemathesis has, every phase
(examples, coverage, fuzzing, and a stateful run following the `next` link), bounded examples:
0 server errors and 0 failed checks. The resource is a test package with every field type the parser treats
differently (integer, number, boolean, date, text with and without an enum, nulls), so the
per-resource document's filters are exercised for each.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from tests.conftest import published_app
from tests.crafted import write_package

MAX_EXAMPLES = 12
FIELDS = [
    {"name": "id", "type": "integer", "title": "番号", "constraints": {"required": True}},
    {"name": "kind", "type": "string", "title": "種別", "constraints": {"enum": ["planned", "actual"]}},
    {"name": "label", "type": "string", "title": "ラベル"},
    {"name": "amount", "type": "number", "title": "金額"},
    {"name": "day", "type": "date", "title": "日付"},
    {"name": "partial", "type": "boolean", "title": "部分"},
]
ROWS = [
    [1, "planned", "=1+1", 1.5, "2021-04-01", "true"],
    [2, "actual", "普通の値", 7, "2021-05-01", "false"],
    [3, "actual", "", "", "", ""],
    [4, "planned", 'カンマ, と "引用符"', -2, "2022-03-31", "true"],
]
# schemathesis's list of statuses that reject invalid data, plus 414: a generated query string
# over MAX_QUERY_STRING is refused with it, as the documents say.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]
CONFIG = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        # Sequences follow the `next` link with valid data: negative data in a query string is
        # often the same string after serialisation (an array of one number is that number),
        # which the other phases recognise and the stateful one does not.
        "stateful": {"enabled": True, "generation": {"mode": "positive"}},
    },
}


@schemathesis.serializer("application/zip")
def zip_bytes(ctx, value) -> bytes:
    """The upload body as generated: bytes as they are, anything else as its text (never a real zip)."""
    return value if isinstance(value, bytes) else str(value).encode()


def build_app():
    """The app over the test package; built at import, because schemathesis parametrizes then."""
    root = Path(tempfile.mkdtemp(prefix="opendata-fuzz-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    write_package(root / "packages", "typed", FIELDS, ROWS, ["id"])
    return published_app(root / "packages", root)


def closing(app):
    """Read and close each response as a WSGI server does (schemathesis's client leaves files open)."""

    def wsgi(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return wsgi


APP = build_app()
CONFIGURED = SchemathesisConfig.from_dict(CONFIG)
# In the global document, the metadata operations get the test package's {name} and {resource},
# so their response schemas meet real data rather than only 404s. The rows operations keep
# generated names: their filters, sort and fields are only exact in a resource's own document.
REAL_NAMES = {
    "include-path-regex": r"^/api/v1/datasets/\{name\}(/datapackage\.json|/download\.zip)?$"
    r"|/resources/\{resource\}(/openapi\.json)?$",
    "parameters": {"path.name": "typed", "path.resource": "typed"},
}
GLOBAL = SchemathesisConfig.from_dict({**CONFIG, "operations": [REAL_NAMES]})
global_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", closing(APP), config=GLOBAL)
resource_schema = schemathesis.openapi.from_wsgi(
    "/api/v1/datasets/typed/resources/typed/openapi.json", closing(APP), config=CONFIGURED
)


def issued_cursor(case, app) -> None:
    """A generated cursor is a random string; the schema's promise is "the `next` of this query".

    For positive cases, ask the API for the first page of the same query and use its `next`
    (or no cursor when there is a single page); negative cases keep what was generated.
    """
    query = case.query or {}
    if "cursor" not in query or not case.meta or not case.meta.generation.mode.is_positive:
        return
    client = app.test_client()
    # As sent: an `in` list is one comma-separated parameter (style form, explode false).
    sent = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in query.items()}
    refused = client.get(case.formatted_path, query_string=sent)
    if refused.status_code != 400 or (refused.get_json() or {}).get("parameter") != "cursor":
        return  # a cursor the API issued (a link followed from the previous page)
    first = {k: v for k, v in sent.items() if k not in ("cursor", "limit")}
    response = client.get(case.formatted_path, query_string={**first, "limit": 1})
    following = response.get_json(silent=True) or {}
    if following.get("next"):
        query["cursor"] = following["next"]
        query["limit"] = 1
    else:
        del query["cursor"]


# identity: the WSGI client does not gunzip, and large bodies are gzipped when allowed.
HEADERS = {"Accept-Encoding": "identity"}


# POST /api/v1/check takes any file the schema can describe (binary), but only a spreadsheet is
# checked: anything else is a 415 by design (tests/check/test_uploads.py covers what is accepted).
# A schema cannot say "a spreadsheet", so "schema-valid data is accepted" is not asked there alone.
ANY_FILE = {("POST", "/api/v1/check")}


def run(case, app) -> None:
    issued_cursor(case, app)
    checks = CHECKS.get_all()
    if (case.method.upper(), case.path) in ANY_FILE:
        checks = [c for c in checks if c.__name__ != "positive_data_acceptance"]
    case.call_and_validate(headers=HEADERS, checks=checks)


@global_schema.parametrize()
def test_global_document(case):
    run(case, APP)


@resource_schema.parametrize()
def test_resource_document(case):
    run(case, APP)


def test_the_cursor_hook_uses_real_cursors():
    """The helper above must hand out a cursor the API accepts, or positive cases prove nothing."""
    client = APP.test_client()
    first = client.get("/api/v1/datasets/typed/resources/typed/rows?limit=1").get_json()
    url = urlsplit(first["next_url"])
    second = client.get(url.path, query_string=dict(parse_qsl(url.query)))
    assert second.status_code == 200
    assert second.get_json()["rows"][0]["id"] == 2


class ResourceStates(resource_schema.as_state_machine()):  # type: ignore[misc]
    """The stateful phase: sequences of calls following the rows operation's `next` link."""

    def before_call(self, case) -> None:
        issued_cursor(case, APP)

    def get_call_kwargs(self, case) -> dict:
        return {"headers": HEADERS}

    def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
        case.validate_response(
            response, checks=CHECKS.get_all(), transport_kwargs=kwargs or None, recorder=self.recorder
        )


TestResourceStates = ResourceStates.TestCase
