"""`opendata`: a thin command line over the catalog, the server and the CKAN sync.

Each command parses its options, calls one plain function and prints. Errors are one
readable line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from opendata import config
from opendata.cli_options import packages_option
from opendata.errors import Problem

SETTINGS = config.from_environment()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"opendata: error: {message}", err=True)
    sys.exit(code)


class Group(click.Group):
    """Turn any Problem raised by a command into one line and exit 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except Problem as exc:
            fail(exc.detail)
        except OSError as exc:
            fail(str(exc))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kanagawa-opendata")
def main() -> None:
    """Publish the Kanagawa report's tables as validated open data."""


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    help="Folder of Table Schemas to check the packages against (default: the project's schemas/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate(path: Path | None, schemas_dir: Path | None, as_json: bool) -> None:
    """Validate data packages (default: every shipped package).

    Runs frictionless, then the report's own checks: totals equal the sum of their parts,
    rates stay within 0-100, as-of dates fall inside their fiscal year, labels agree with
    the years and dates derived from them, and schemas match schemas/.
    """
    from opendata.catalog.report import render_text
    from opendata.catalog.validate import validate_path

    target = path or Path(SETTINGS["PACKAGES_DIR"])
    if schemas_dir is None and path is None:
        schemas_dir = Path(SETTINGS["SCHEMAS_DIR"])
    report = validate_path(target, schemas_dir)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(report))
    sys.exit(0 if report.valid else 1)


@main.command()
@packages_option
@click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of Table Schemas (default: schemas/).",
)
def build(packages_dir: Path | None, schemas_dir: Path | None) -> None:
    """Embed schemas/ into each datapackage.json and record each data file's size and hash."""
    from opendata.catalog.build import build_packages

    changed = build_packages(
        packages_dir or Path(SETTINGS["PACKAGES_DIR"]), schemas_dir or Path(SETTINGS["SCHEMAS_DIR"])
    )
    click.echo(
        f"rebuilt {len(changed)} package(s): {', '.join(changed)}" if changed else "all packages up to date"
    )


@main.command()
@packages_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--no-publish", is_flag=True, help="Serve what is published; publish nothing first.")
def serve(packages_dir: Path | None, host: str, port: int, workers: int, no_publish: bool) -> None:
    """Serve the published releases with gunicorn, publishing the packages not yet published first.

    An invalid package is not published (its last good release, if any, is served); the
    server itself only opens published releases.
    """
    from opendata.publish.cli import publish_dirs
    from opendata.server import run_gunicorn

    target = packages_dir or Path(SETTINGS["PACKAGES_DIR"])
    if not no_publish:
        outcomes = publish_dirs([target], SETTINGS)
        if not any(o.status != "invalid" for o in outcomes):
            fail(f"not serving {target}: no package in it could be published")
    run_gunicorn(target, host=host, port=port, workers=workers)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (shape in the README).")
def check(path: Path, lang: str, as_json: bool) -> None:
    """Check an .xlsx, .csv or .tsv (or a data package folder) against the machine-readability rules.

    Exit status 0 when every rule that could be judged passed, 1 when one failed or the file
    could not be read.
    """
    from opendata.check.cli import run_check

    try:
        text, ok = run_check(path, lang, as_json, SETTINGS)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    click.echo(text)
    sys.exit(0 if ok else 1)


@main.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", "sheet_name", help="Sheet to import (default: the first).")
@click.option("--name", required=True, help="Package name: lower-case ASCII words joined by '-'.")
@click.option(
    "--long/--wide",
    "long",
    default=None,
    help="Reshape period columns to rows (default: when the columns are periods).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder to write the package folder into (default: datapackages/).",
)
@click.option(
    "--table", "table_index", default=1, show_default=True, help="Which table on the sheet, counting from 1."
)
def import_(
    path: Path, sheet_name: str | None, name: str, long: bool | None, out_dir: Path | None, table_index: int
) -> None:
    """Turn a print-layout sheet into a draft data package (CSV, datapackage.json, Table Schema)."""
    from opendata.importer.cli import run_import

    run_import(path, sheet_name, name, long, out_dir, table_index, SETTINGS)


from opendata.ckan.cli import ckan  # noqa: E402  (the `opendata ckan` sub-commands live with the CKAN code)

main.add_command(ckan)

from opendata.publish.cli import diff, publish, releases, tokens  # noqa: E402

main.add_command(publish)
main.add_command(tokens)
main.add_command(diff)
main.add_command(releases)
