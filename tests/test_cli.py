"""The command line: one readable line and a non-zero exit for every failure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opendata", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["build", "--packages", "/nonexistent"],
            "opendata: error: /nonexistent: no such folder of data packages",
        ),
        (["serve", "--packages", "/nonexistent", "--port", "1"], "no such folder of data packages"),
        (["nosuchcommand"], "No such command"),
        (["serve", "--port", "notaport"], "'notaport' is not a valid integer"),
    ],
)
def test_errors_are_one_line_and_non_zero(args, message):
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_refuses_an_invalid_package(package_copy):
    packages = package_copy / "datapackages"
    csv_path = packages / "hikikomori-consultations" / "data" / "hikikomori-consultations.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace(",402\n", ",403\n"), encoding="utf-8")
    result = run("serve", "--packages", str(packages), "--port", "1")
    assert result.returncode == 1
    assert "[sum-long]" in result.stderr and "row 5, field consultations" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("opendata: error: not serving")


def test_build_reports_what_it_did(package_copy):
    result = run(
        "build", "--packages", str(package_copy / "datapackages"), "--schemas", str(package_copy / "schemas")
    )
    assert result.returncode == 0 and result.stdout.strip() == "all packages up to date"
