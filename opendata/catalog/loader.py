"""Read a folder of data packages into a Catalog; every failure becomes a PackageError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from opendata.catalog.models import Package
from opendata.errors import PackageError

DESCRIPTOR = "datapackage.json"


def read_descriptor(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError(f"{path}: cannot be read ({exc})") from exc
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(descriptor, dict):
        raise PackageError(f"{path}: a data package descriptor must be a JSON object")
    return descriptor


def load_package(directory: Path) -> Package:
    path = directory / DESCRIPTOR
    descriptor = read_descriptor(path)
    for key in ("name", "resources"):
        if key not in descriptor:
            raise PackageError(f"{path}: missing required property {key!r}")
    try:
        return Package.from_descriptor(descriptor, directory)
    except (KeyError, TypeError, AttributeError) as exc:
        raise PackageError(f"{path}: malformed descriptor ({exc!r})") from exc


def package_dirs(root: Path) -> list[Path]:
    if (root / DESCRIPTOR).is_file():
        return [root]
    if not root.is_dir():
        raise PackageError(f"{root}: no such folder of data packages")
    return sorted(p for p in root.iterdir() if (p / DESCRIPTOR).is_file())


@dataclass(frozen=True)
class Catalog:
    packages: dict[str, Package]

    def __iter__(self) -> Iterator[Package]:
        return iter(self.packages.values())

    def __len__(self) -> int:
        return len(self.packages)

    def get(self, name: str) -> Package | None:
        return self.packages.get(name)

    def by_id(self, identifier: str) -> Package | None:
        return next((p for p in self if p.id == identifier), None)


def load_catalog(root: Path) -> Catalog:
    packages: dict[str, Package] = {}
    for directory in package_dirs(Path(root)):
        package = load_package(directory)
        if package.name in packages:
            raise PackageError(f"{directory}: package name {package.name!r} is used twice")
        packages[package.name] = package
    return Catalog(packages)
