"""The one way files are replaced: write a hidden sibling, flush it to disk, rename it over.

Readers (and a process killed half-way) see the old content or the new, never a mixture.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomically(path: Path, content: str | bytes | Iterable[bytes]) -> None:
    """Replace `path` with `content` (text is written as UTF-8)."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # published files are for every reader, unlike mkstemp's 0600
        with os.fdopen(handle, "wb") as out:
            if isinstance(content, str):
                out.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                out.write(content)
            else:
                for chunk in content:
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def point_atomically(link: Path, target: str) -> None:
    """Make the symbolic link `link` point at `target`, replacing any old link in one rename."""
    link = Path(link)
    temp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    os.symlink(target, temp)
    try:
        os.replace(temp, link)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_directory(link.parent)


def sync_directory(directory: Path) -> None:
    """fsync a folder, so a rename in it survives a power cut as well as a crash."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
