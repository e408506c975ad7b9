"""Options several commands share, so each reads the same way in every --help."""

from __future__ import annotations

from pathlib import Path

import click

# --packages DIR: every command that reads a folder of data packages.
packages_option = click.option(
    "--packages",
    "packages_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of data packages (default: the shipped ones).",
)
