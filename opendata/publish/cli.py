"""`opendata publish`, `opendata diff` and `opendata releases`: thin commands over the pipeline."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from opendata import config
from opendata.catalog.loader import package_dirs
from opendata.catalog.report import render_text
from opendata.catalog.validate import ValidationReport
from opendata.errors import PackageError, Problem
from opendata.publish import diff as diffs
from opendata.publish.pipeline import Outcome, publish_package
from opendata.publish.releases import (
    current_id,
    dataset_dir,
    dataset_lock,
    dataset_names,
    list_releases,
    open_release,
    remove_release,
)
from opendata.storage import open_store, publishing_store


def publish_dirs(targets: list[Path], settings: dict[str, Any], quiet: bool = False) -> list[Outcome]:
    """Publish every package under `targets`, one at a time; an invalid one stops no other."""
    root = Path(settings["RELEASES_DIR"])
    schemas = Path(settings["SCHEMAS_DIR"])
    directories = [d for target in targets for d in package_dirs(Path(target))]
    store = publishing_store(settings)
    outcomes = []
    for position, directory in enumerate(directories, start=1):
        if not quiet:
            click.echo(f"[{position}/{len(directories)}] {directory.name} ...", nl=False, err=True)
        hook = None if quiet else (lambda step: click.echo(f" {step}", nl=False, err=True))
        try:
            outcome = publish_package(
                directory,
                root,
                schemas,
                base_url=settings["BASE_URL"],
                hook=hook,
                search_table_rows=settings["SEARCH_TABLE_ROWS"],
                store=store,
            )
        except Problem:  # e.g. the database is unreachable: said on a line of its own, after this one
            if not quiet:
                click.echo(" failed", err=True)
            raise
        outcomes.append(outcome)
        if outcome.status == "invalid" and outcome.report is not None:
            click.echo("", err=True)
            click.echo(render_text(ValidationReport([outcome.report])), err=True)
            click.echo(
                f"not published: {outcome.name} (its last good release, if any, stays current)", err=True
            )
        elif not quiet:
            click.echo(f" {outcome.status} {outcome.release} ({outcome.seconds:.1f} s)", err=True)
    return outcomes


@click.command()
@click.argument("package_dirs", nargs=-1, type=click.Path(path_type=Path))
def publish(package_dirs: tuple[Path, ...]) -> None:
    """Validate and publish data packages as new releases (default: every shipped package).

    Embeds schemas/, validates (frictionless and the report's checks), builds the query
    store and every download into a new release folder, then makes it current. An invalid
    package is not published and the command exits 1; Ctrl-C leaves the previous release
    current.
    """
    settings = config.from_environment()
    targets = list(package_dirs) or [Path(settings["PACKAGES_DIR"])]
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    try:
        outcomes = publish_dirs(targets, settings)
    except KeyboardInterrupt:
        click.echo("\\ninterrupted: the previous releases stay current", err=True)
        sys.exit(130)
    published = sum(o.status == "published" for o in outcomes)
    invalid = [o.name for o in outcomes if o.status == "invalid"]
    click.echo(
        f"{published} published, {sum(o.status == 'unchanged' for o in outcomes)} unchanged, "
        f"{len(invalid)} invalid in {time.monotonic() - started:.1f} s"
    )
    sys.exit(1 if invalid else 0)


def _interrupt(number: int, frame: Any) -> None:
    raise KeyboardInterrupt


@click.command()
@click.argument("name")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the whole diff as JSON.")
def diff(name: str, old: str, new: str, as_json: bool) -> None:
    """What changed in dataset NAME from release OLD to release NEW (by primary key)."""
    settings = config.from_environment()
    root, store = Path(settings["RELEASES_DIR"]), open_store(settings)
    before, after = open_release(root, name, old)[1], open_release(root, name, new)[1]
    if as_json:
        click.echo(json.dumps(diffs.compare(store, before, after), ensure_ascii=False, indent=2))
        return
    for record in list(diffs.csv_records(store, before, after))[1:]:
        resource, change, key, field, old_value, new_value = record
        where = " ".join(part for part in (resource, key, field) if part)
        values = f": {old_value!s} -> {new_value!s}" if old_value or new_value else ""
        click.echo(f"{change:14} {where}{values}")


@click.group()
def releases() -> None:
    """List and prune published releases."""


@releases.command("list")
@click.argument("name", required=False)
def list_command(name: str | None) -> None:
    """Every release of NAME (default: of every dataset), newest first, with the disk it uses."""
    root = Path(config.from_environment()["RELEASES_DIR"])
    for dataset in [name] if name else dataset_names(root):
        current = current_id(root, dataset)
        for release in list_releases(root, dataset):
            mark = "*" if release.id == current else " "
            size = f"{_size(release.bytes)} ({_size(release.unshared_bytes())} its own)"
            click.echo(f"{mark} {dataset} {release.id} {release.published} {size}")


@releases.command("prune")
@click.option("--keep", type=click.IntRange(min=1), required=True, help="Releases to keep per dataset.")
@click.argument("name", required=False)
def prune(keep: int, name: str | None) -> None:
    """Delete all but the KEEP newest releases (never the current one) and say what each used."""
    settings = config.from_environment()
    root, store = Path(settings["RELEASES_DIR"]), publishing_store(settings)
    freed = 0
    for dataset in [name] if name else dataset_names(root):
        current = current_id(root, dataset)
        if current is None:
            raise PackageError(f"no published dataset named {dataset!r}")
        ordered = list_releases(root, dataset)
        kept = {current}
        for release in ordered:
            if len(kept) >= keep:
                break
            kept.add(release.id)
        for release in ordered:
            own = release.unshared_bytes()
            if release.id in kept:
                click.echo(f"kept    {dataset} {release.id} {_size(release.bytes)} ({_size(own)} its own)")
                continue
            package = open_release(root, dataset, release.id, any_layout=True)[1]
            remove_release(root, dataset, release.id)
            store.drop(package)  # after the folder: a release is never listed without its tables
            freed += own
            click.echo(f"removed {dataset} {release.id} {_size(release.bytes)} ({_size(own)} its own)")
        with dataset_lock(dataset_dir(root, dataset)):  # no publish between its load and rename
            listed = {release.id for release in list_releases(root, dataset)}
            for left in store.drop_unlisted(dataset, listed):
                click.echo(f"dropped {dataset} tables {left} (a publish stopped before its release)")
    click.echo(f"freed {_size(freed)}")


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} kB"


@click.group()
def tokens() -> None:
    """Publishing tokens: each lets one publisher publish its own datasets over HTTP."""


@tokens.command("create")
@click.argument("publisher")
def create_token(publisher: str) -> None:
    """Create a token for PUBLISHER (e.g. kanagawa-prefecture); it is shown once, stored hashed."""
    from opendata.publish import tokens as store

    token, secret = store.create(Path(config.from_environment()["PUBLISH_TOKENS_FILE"]), publisher)
    click.echo(f"token {token.id} for {token.publisher} (shown once, keep it secret):", err=True)
    click.echo(secret)


@tokens.command("list")
def list_tokens() -> None:
    """Every token: its id, publisher and creation time (never the secret)."""
    from opendata.publish import tokens as store

    for token in store.load(Path(config.from_environment()["PUBLISH_TOKENS_FILE"])):
        click.echo(f"{token.id} {token.publisher} {token.created}")


@tokens.command("revoke")
@click.argument("token_id")
def revoke_token(token_id: str) -> None:
    """Revoke the token with id TOKEN_ID."""
    from opendata.publish import tokens as store

    token = store.revoke(Path(config.from_environment()["PUBLISH_TOKENS_FILE"]), token_id)
    click.echo(f"revoked {token.id} ({token.publisher})")
