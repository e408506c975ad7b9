"""`opendata import`: print what was done and what a person must still decide."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from opendata import errors
from opendata.check import Limits
from opendata.config import PROJECT_ROOT
from opendata.importer import import_sheet


def run_import(
    path: Path,
    sheet: str | None,
    name: str,
    long: bool | None,
    out_dir: Path | None,
    table_index: int,
    settings: dict[str, Any],
) -> None:
    packages = Path(settings["PACKAGES_DIR"])
    out = out_dir or packages
    # Into the project's own datapackages/, the schema goes to schemas/ too (build embeds it).
    into_project = out.resolve() == packages.resolve() or out.resolve() == (PROJECT_ROOT / "datapackages")
    schemas = Path(settings["SCHEMAS_DIR"]) if into_project else None

    def progress(message: str) -> None:
        click.echo(f"… {message}", err=True)

    if path.stat().st_size > int(settings["CHECK_MAX_UPLOAD_BYTES"]):
        raise errors.FileTooLarge(f"{path.name} is larger than CHECK_MAX_UPLOAD_BYTES", parameter="file")
    try:
        result = import_sheet(
            path, sheet, name, long, out, Limits.from_settings(settings), schemas, table_index, progress
        )
    except KeyboardInterrupt:
        click.echo("opendata: interrupted; nothing was written", err=True)
        sys.exit(130)
    tidy = result.tidy
    click.echo(
        f"wrote {result.target} ({len(tidy.rows):,} rows, {len(tidy.fields)} fields, "
        f"{'long' if tidy.long else 'wide'} form)"
    )
    if schemas is not None:
        click.echo(f"wrote {schemas / name / (name + '.json')}")
    click.echo("done:")
    for line in tidy.log:
        click.echo(f"  - {line}")
    click.echo("still to decide:" if tidy.undecided else "still to decide: nothing found")
    for line in tidy.undecided:
        click.echo(f"  - {line}")
    click.echo(f"next: opendata validate {result.target} && opendata check {result.target}")
