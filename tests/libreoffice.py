"""LibreOffice headless as a test reader: a workbook converted to CSV by Calc itself."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

# Comma, double quote, UTF-8: Calc writes each cell as it shows it (dates as formatted).
AS_SHOWN = "44,34,76"
# … and from line 1, standard language, cell contents as stored rather than as shown.
AS_STORED = "44,34,76,1,,0,false,true,false,false"


def csv_rows(workbook: bytes, folder: Path, options: str = AS_SHOWN) -> list[list[str]]:
    """The first sheet of `workbook` as Calc converts it to CSV, as rows of texts."""
    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    source = folder / "workbook.xlsx"
    source.write_bytes(workbook)
    subprocess.run(
        [
            str(soffice),
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{options}",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    converted = (folder / "workbook.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(converted, newline="")))
