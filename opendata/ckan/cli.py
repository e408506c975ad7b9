"""`opendata ckan push`: a thin command over opendata.ckan.sync.push.

The API token is read from the environment only (CKAN_API_TOKEN), so it never appears in a
shell history or a process list; errors are CkanErrors, printed as one line by the main group.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from opendata import config
from opendata.catalog.loader import Catalog
from opendata.ckan.client import TOKEN_VARIABLE, connect
from opendata.ckan.sync import push as push_catalog
from opendata.cli_options import packages_option
from opendata.errors import CkanError
from opendata.publish.cli import publish_dirs
from opendata.publish.registry import Registry


@click.group("ckan")
def ckan() -> None:
    """Publish the catalog to a CKAN site."""


def api_base(api_url: str | None, settings: dict) -> str:
    if api_url:
        return api_url.rstrip("/")
    if settings["BASE_URL"]:
        return settings["BASE_URL"].rstrip("/") + "/api/v1"
    raise CkanError(
        "the datasets link to this API, so its public URL is needed: pass --api-url "
        "(e.g. https://example.org/api/v1) or set OPENDATA_BASE_URL"
    )


@ckan.command()
@click.option(
    "--url", envvar="CKAN_URL", help="CKAN site to write to (default: $CKAN_URL, then OPENDATA_CKAN_URL)."
)
@click.option("--api-url", help="Public URL of this API's /api/v1 (default: OPENDATA_BASE_URL + /api/v1).")
@packages_option
@click.option("--only", "only", metavar="NAME", help="Push this one package.")
@click.option(
    "--link", is_flag=True, help="Link each file to this API's download URL instead of uploading it."
)
@click.option("--dry-run", is_flag=True, help="Print what would change and write nothing.")
@click.option(
    "--organization",
    help="Put every dataset in this CKAN organization (default: one per publisher; "
    "OPENDATA_CKAN_ORGANIZATION for a package naming no publisher).",
)
def push(
    url: str | None,
    api_url: str | None,
    packages_dir: Path | None,
    only: str | None,
    link: bool,
    dry_run: bool,
    organization: str | None,
) -> None:
    """Create or update one CKAN dataset per data package (idempotent; safe to run again).

    The packages are published first (opendata publish) and their current releases pushed,
    so CKAN gets exactly what this service serves: an invalid package's last good release.
    Each dataset gets each table's CSV with its Table Schema and the table in every other
    prebuilt format (XLSX, Parquet ...; uploaded, or linked with --link), the datapackage.json
    and a link to the API. The token comes from $CKAN_API_TOKEN only.
    """
    settings = config.from_environment()
    outcomes = publish_dirs([packages_dir or Path(settings["PACKAGES_DIR"])], settings, quiet=True)
    published = Registry(Path(settings["RELEASES_DIR"]), interval=0).catalog
    catalog = Catalog({o.name: p for o in outcomes if (p := published.get(o.name)) is not None})
    packages = list(catalog)
    if only:
        if catalog.get(only) is None:
            raise CkanError(f"no package named {only!r}; there are: {', '.join(p.name for p in catalog)}")
        packages = [catalog.get(only)]  # type: ignore[list-item]
    client = connect(url or settings["CKAN_URL"], os.environ.get(TOKEN_VARIABLE), settings["CKAN_TIMEOUT"])
    summary = push_catalog(
        client,
        packages,
        organization_name=organization or settings["CKAN_ORGANIZATION"],
        per_publisher=organization is None,
        api=api_base(api_url, settings),
        upload=not link,
        dry_run=dry_run,
        echo=click.echo,
    )
    click.echo(summary.describe(dry_run=dry_run))
