"""The README's curl examples, run as written against a real gunicorn, and Japanese sent raw.

curl sends what is typed: `curl 'URL?q=就労'` puts raw UTF-8 on the request line, which
gunicorn alone refuses before the application sees it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shlex
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pyarrow.parquet as pq
import pytest
import requests
from gunicorn.http.errors import InvalidRequestLine

from opendata.publish import tokens
from opendata.request_targets import SyncWorker, percent_encode_raw_bytes
from tests.conftest import ROOT, require
from tests.server import running_server

README_HOST = "http://127.0.0.1:8000"


def readme_curl_lines() -> list[str]:
    """Every curl command of the README's sh blocks, a command continued over lines (`\\`) as one."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [command for block in blocks for command in block.replace("\\\n", " ").splitlines()]
    return [" ".join(c.split()) for c in commands if c.startswith("curl ")]


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tokens") / "tokens.json"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def server(cache, tokens_file):
    with running_server(cache_dir=cache, env={"OPENDATA_PUBLISH_TOKENS_FILE": str(tokens_file)}) as base:
        yield base


def prepare_publishing(line: str, workdir: Path, cache: Path, tokens_file: Path) -> str:
    """The README's HTTP publishing example needs what its block makes first: a publisher's
    token in $TOKEN (`opendata tokens create`) and the zipped package; here that package is the
    served release of key-figures, whose descriptor embeds its schemas."""
    _, secret = tokens.create(tokens_file, "kanagawa-prefecture")
    release = cache / "releases" / "key-figures" / "current"
    with zipfile.ZipFile(workdir / "key-figures.zip", "w") as archive:
        archive.write(release / "datapackage.json", "datapackage.json")
        for path in sorted((release / "data").iterdir()):
            archive.write(path, f"data/{path.name}")
    return line.replace("$TOKEN", secret)


@pytest.fixture(scope="module")
def curl() -> str:
    path = shutil.which("curl")
    require(path is not None, "curl is not installed")
    return str(path)


def test_the_readme_has_curl_examples_and_they_name_the_documented_host():
    lines = readme_curl_lines()
    assert len(lines) >= 5 and all(README_HOST in line for line in lines)


@pytest.mark.parametrize("line", readme_curl_lines())
def test_each_readme_curl_example_runs_as_written(server, curl, tmp_path, line, cache, tokens_file):
    publishing = "$TOKEN" in line
    if publishing:
        line = prepare_publishing(line, tmp_path, cache, tokens_file)
    command = shlex.split(line.replace(README_HOST, server))
    assert command[0] == "curl"
    done = subprocess.run(
        [curl, "-sS", "-w", "\n%{http_code}", *command[1:]],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    body, _, status = done.stdout.rpartition(b"\n")
    if publishing:  # 201 with the release: the same content as the current one, so unchanged
        assert status == b"201", body[:500]
        assert json.loads(body)["status"] == "unchanged"
        return
    assert status == b"200", body[:500]
    saved = list(tmp_path.iterdir())
    if "-OJ" in command and saved[0].suffix == ".xlsx":  # a workbook, saved under the server's name
        (path,) = saved
        assert openpyxl.load_workbook(path)["データ"].max_row > 1
    elif "-OJ" in command and saved[0].suffix == ".parquet":
        (path,) = saved
        assert pq.read_table(path).num_rows > 0
    elif "-OJ" in command:  # the Shift_JIS download, saved under the server's name for it
        (path,) = saved
        assert path.name.endswith("_shiftjis.csv") or path.name.endswith("_ShiftJIS.csv")
        header = next(csv.reader(io.StringIO(path.read_bytes().decode("cp932"))))
        assert header[0] == "全国地方公共団体コード"
    else:
        parsed = json.loads(body)
        assert "type" not in parsed or not str(parsed["type"]).startswith("/api/v1/problems")


def test_curl_with_raw_japanese_gets_what_the_encoded_query_gets(server, curl):
    raw = subprocess.run(
        [curl, "-sS", f"{server}/api/v1/datasets?q=就労"], capture_output=True, timeout=60, check=True
    )
    encoded = requests.get(f"{server}/api/v1/datasets", params={"q": "就労"}, timeout=30).json()
    found = json.loads(raw.stdout)
    assert found["total"] == encoded["total"] > 0
    assert [d["name"] for d in found["datasets"]] == [d["name"] for d in encoded["datasets"]]


def raw_request(base: str, target: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("target", "status", "check"),
    [
        ("/api/v1/datasets?q=ひきこもり", 200, lambda body: body["total"] >= 1),
        ("/api/v1/datasets?theme=就労", 200, lambda body: body["total"] == 2),
        ("/api/v1/datasets/ひきこもり", 404, lambda body: body["parameter"] == "name"),
        ("/api/v1/datasets?q=%E5%B0%B1労", 200, lambda body: body["total"] >= 1),  # half encoded
    ],
)
def test_raw_utf8_request_lines_reach_the_application(server, target, status, check):
    code, headers, body = raw_request(server, target.encode("utf-8"))
    assert code == status
    assert headers["content-type"].startswith("application/")
    assert check(json.loads(body))


def test_control_characters_stay_refused_by_gunicorn(server):
    code, headers, _ = raw_request(server, b"/api/v1/datasets?q=\x01")
    assert code == 400 and "json" not in headers.get("content-type", "")


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("/a?q=就労".encode(), b"/a?q=" + quote("就労").encode()),
        (b"/a?q=%E5%B0%B1", b"/a?q=%E5%B0%B1"),
        (b"/plain", b"/plain"),
        ("/データ/ひきこもり".encode(), ("/" + quote("データ") + "/" + quote("ひきこもり")).encode()),
    ],
)
def test_percent_encoding_touches_only_the_raw_bytes(raw, encoded):
    assert percent_encode_raw_bytes(raw) == encoded


class FakeClient:
    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


class FakeWorker:
    log = logging.getLogger("tests.worker")


def test_when_the_parser_hook_does_not_apply_the_answer_is_problem_json():
    client = FakeClient()
    line = "GET /api/v1/datasets?q=\xe5\xb0\xb1 HTTP/1.1"  # as gunicorn holds it: latin-1
    SyncWorker.handle_error(FakeWorker(), None, client, ("127.0.0.1", 1), InvalidRequestLine(line))  # type: ignore[arg-type]
    head, _, body = client.sent.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/problem+json" in head
    problem = json.loads(body)
    assert problem["type"] == "/api/v1/problems#unencoded-request-target"
    assert problem["parameter"] == "request-target" and "--data-urlencode" in problem["detail"]
    assert f"Content-Length: {len(body)}".encode() in head
