"""Time and peak memory of `opendata check` and `opendata import` on big workbooks.

Builds (in a temporary folder) a 100,000-row print-layout sheet and a 50-sheet workbook of
made-up sample figures, then runs each command in its own process so every peak resident
set size is that command's alone. Prints one line per run; the README quotes the figures.

    .venv/bin/python scripts/bench_check.py [--rows 100000] [--sheets 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

OPENDATA = str(Path(sys.executable).with_name("opendata"))


def big_sheet(path: Path, rows: int) -> None:
    """Title, unit, a two-row heading over four fiscal years, `rows` data rows, a note."""
    book = openpyxl.Workbook(write_only=True)  # streams rows to disk: the builder stays small
    sheet = book.create_sheet("集計")
    sheet.append(["表 市区町村別・年度別の件数（ベンチマーク用の架空データ）"])
    sheet.append([])
    sheet.append(["番号", "地区", "令和元年度", "令和2年度", "令和3年度", "令和4年度"])
    for n in range(rows):
        sheet.append(
            [
                f"No.{n + 1}",
                f"地区{n % 97}",
                n % 1000,
                (n * 7) % 1000,
                "1,234",
                "－" if n % 50 == 0 else n % 13,
            ]
        )
    sheet.append([])
    sheet.append(["注：数値はベンチマーク用"])
    book.save(path)


def many_sheets(path: Path, sheets: int, rows: int = 200) -> None:
    book = openpyxl.Workbook(write_only=True)
    for s in range(sheets):
        sheet = book.create_sheet(f"表{s + 1}")
        sheet.append(["地区", "2020年度（件）", "2021年度（件）"])
        for n in range(rows):
            sheet.append([f"地区{n}", n, n * 2])
    book.save(path)


def measure(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit status) of one command run in a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak resident set size
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sheets", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big, many = work / "big.xlsx", work / "many.xlsx"
        big_sheet(big, options.rows)
        many_sheets(many, options.sheets)
        runs = [
            (f"check {options.rows:,}-row sheet", [OPENDATA, "check", "--json", str(big)]),
            (
                f"import {options.rows:,}-row sheet",
                [OPENDATA, "import", str(big), "--name", "big", "--out", str(work / "out")],
            ),
            (f"check {options.sheets}-sheet workbook", [OPENDATA, "check", "--json", str(many)]),
            (
                f"import 1 sheet of {options.sheets}",
                [
                    OPENDATA,
                    "import",
                    str(many),
                    "--sheet",
                    f"表{options.sheets}",
                    "--name",
                    "many",
                    "--out",
                    str(work / "out"),
                ],
            ),
        ]
        print(
            f"files: big.xlsx {big.stat().st_size / 1e6:.1f} MB, many.xlsx {many.stat().st_size / 1e6:.1f} MB"
        )
        for label, args in runs:
            seconds, peak, status = measure(args)
            print(f"{label:32} {seconds:7.1f} s  peak {peak:6.0f} MiB  exit {status}")


if __name__ == "__main__":
    main()
