"""Embed each Table Schema from schemas/ into its package, with the data file's size and hash.

schemas/<package>/<resource>.json is the single source of a table's schema. frictionless
will not follow `../` paths from an untrusted descriptor, so the build copies the schema
into datapackage.json; `schema_drift` reports any difference, and validation fails on it.
Descriptors are rewritten atomically and only when something changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opendata.atomic import write_atomically
from opendata.catalog.loader import DESCRIPTOR, package_dirs, read_descriptor
from opendata.catalog.models import file_digest
from opendata.errors import PackageError


@dataclass(frozen=True)
class Drift:
    file: str
    resource: str
    message: str


def schema_path(schemas_dir: Path, package: str, resource: str) -> Path:
    return schemas_dir / package / f"{resource}.json"


def read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: schema file not found") from exc
    except json.JSONDecodeError as exc:
        raise PackageError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(schema, dict):
        raise PackageError(f"{path}: a Table Schema must be a JSON object")
    return schema


def built_descriptor(directory: Path, schemas_dir: Path) -> dict[str, Any]:
    """The descriptor as the build would write it."""
    descriptor = read_descriptor(directory / DESCRIPTOR)
    for resource in descriptor.get("resources", []):
        resource["schema"] = read_schema(schema_path(schemas_dir, descriptor["name"], resource["name"]))
        data = directory / resource["path"]
        if not data.is_file():
            raise PackageError(f"{data}: data file not found")
        resource["bytes"] = data.stat().st_size
        resource["hash"] = f"sha256:{file_digest(data)}"
    return descriptor


def dumps(descriptor: dict[str, Any]) -> str:
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"


def build_packages(packages_dir: Path, schemas_dir: Path) -> list[str]:
    """Rebuild every descriptor; returns the names of the packages that changed."""
    changed = []
    for directory in package_dirs(packages_dir):
        path = directory / DESCRIPTOR
        text = dumps(built_descriptor(directory, schemas_dir))
        if path.read_text(encoding="utf-8") != text:
            write_atomically(path, text)
            changed.append(directory.name)
    return changed


def schema_drift(directory: Path, schemas_dir: Path) -> list[Drift]:
    """Differences between a package as it is on disk and as the build would write it."""
    path = directory / DESCRIPTOR
    current = read_descriptor(path)
    drifts = []
    for resource in current.get("resources", []):
        name = resource.get("name", "?")
        source = schema_path(schemas_dir, current.get("name", directory.name), name)
        if not source.is_file():
            drifts.append(Drift(str(source), name, "no schema in schemas/ for this resource"))
            continue
        if resource.get("schema") != read_schema(source):
            drifts.append(
                Drift(str(path), name, f"embedded schema differs from {source}; run `opendata build`")
            )
        data = directory / resource.get("path", "")
        if data.is_file() and resource.get("hash") != f"sha256:{file_digest(data)}":
            drifts.append(Drift(str(path), name, f"hash of {data.name} is out of date; run `opendata build`"))
    return drifts
