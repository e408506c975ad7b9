"""An uploaded zip, checked before a single byte of it lands where the pipeline reads.

Refused with a clear reason (and nothing published): an unreadable zip, too many entries,
an entry that is absolute, climbs out with `..` or is a symbolic link, and more unpacked
bytes than allowed, whatever the entries' headers claim (a zip bomb lies in them, so the
bytes are counted as they are written).
"""

from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from opendata.catalog.loader import DESCRIPTOR, read_descriptor
from opendata.catalog.models import Publisher
from opendata.errors import Forbidden, InvalidPackage, InvalidUpload, PackageError, UploadTooLarge
from opendata.publish.pipeline import Outcome, publish_package
from opendata.publish.releases import current_id, open_release
from opendata.publish.tokens import Token
from opendata.storage.base import TableStore


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int
    entries: int


def _entry_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename
    if "\\" in name or "\0" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidUpload(f"zip entry {name!r}: absolute or non-portable path", parameter="body")
    path = PurePosixPath(name)
    if ".." in path.parts:
        raise InvalidUpload(f"zip entry {name!r}: `..` would leave the package", parameter="body")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidUpload(f"zip entry {name!r}: symbolic links are not accepted", parameter="body")
    return path


def extract(body: bytes, target: Path, limits: Limits) -> Path:
    """Unpack `body` into `target`; returns the folder holding datapackage.json."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise InvalidUpload(f"the body is not a readable zip ({exc})", parameter="body") from None
    if len(infos) > limits.entries:
        raise InvalidUpload(f"the zip has {len(infos)} entries; at most {limits.entries}", parameter="body")
    paths = [(_entry_path(info), info) for info in infos]
    if sum(info.file_size for _, info in paths) > limits.unpacked_bytes:
        raise UploadTooLarge(f"the zip unpacks to more than {limits.unpacked_bytes} bytes", parameter="body")
    written = 0
    for path, info in paths:
        destination = target.joinpath(*path.parts)
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as source, destination.open("wb") as out:
                for chunk in iter(lambda: source.read(1 << 16), b""):
                    written += len(chunk)
                    if written > limits.unpacked_bytes:
                        raise UploadTooLarge(
                            f"the zip unpacks to more than {limits.unpacked_bytes} bytes", parameter="body"
                        )
                    out.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
            raise InvalidUpload(
                f"zip entry {info.filename!r} cannot be read ({exc})", parameter="body"
            ) from None
    return package_root(target)


def package_root(target: Path) -> Path:
    """datapackage.json at the top, or in the one folder at the top (as our own zips have it)."""
    if (target / DESCRIPTOR).is_file():
        return target
    folders = [p for p in target.iterdir() if p.is_dir()]
    if len(folders) == 1 and (folders[0] / DESCRIPTOR).is_file():
        return folders[0]
    raise InvalidUpload(
        f"the zip holds no {DESCRIPTOR} at its top or in its one top folder", parameter="body"
    )


def publish_upload(
    body: bytes,
    name: str,
    token: Token,
    root: Path,
    limits: Limits,
    base_url: str = "",
    search_table_rows: int | None = None,
    store: TableStore | None = None,
) -> Outcome:
    """Publish an uploaded zip as a release of `name` for the token's publisher, or refuse it.

    The same pipeline as `opendata publish`; the upload is unpacked into a private folder
    first and removed afterwards, whatever happens.
    """
    uploads = Path(root) / ".uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=uploads))
    try:
        source = extract(body, work, limits)
        descriptor = read_descriptor(source / DESCRIPTOR)
        if descriptor.get("name") != name:
            raise InvalidUpload(
                f"the package is named {descriptor.get('name')!r}, not {name!r}", parameter="name"
            )
        _check_scope(descriptor, name, token, root)
        outcome = publish_package(
            source, root, None, base_url=base_url, search_table_rows=search_table_rows, store=store
        )
        if outcome.status == "invalid":
            issues = [asdict(i) for i in outcome.report.issues] if outcome.report else []
            for issue in issues:  # name the files as the zip does, not the private folder
                issue["file"] = str(issue["file"]).replace(f"{work}/", "")
            raise InvalidPackage(
                f"{name}: {len(issues)} validation issue(s); nothing published", issues=issues
            )
        return outcome
    except PackageError as exc:
        raise InvalidUpload(exc.detail.replace(f"{work}/", ""), parameter="body") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_scope(descriptor: dict, name: str, token: Token, root: Path) -> None:
    publisher = Publisher.from_descriptor(descriptor)
    if publisher is None or publisher.slug != token.publisher:
        stated = publisher.slug if publisher else "no publisher"
        raise Forbidden(
            f"this token publishes for {token.publisher}; the package names {stated}", parameter="publisher"
        )
    current = current_id(root, name)
    if current is not None:
        owner = open_release(root, name, current, any_layout=True)[1].publisher
        if owner is not None and owner.slug != token.publisher:
            raise Forbidden(f"dataset {name!r} is published by {owner.slug}", parameter="name")
