"""Look at an upload's bytes before any parser does: kind, zip sizes, macros, encryption, DTDs.

openpyxl trusts a zip's contents; a 40 KB zip can expand to gigabytes and an XML part can
declare entities. Everything here reads the zip's directory (declared sizes, which also cap
what zipfile will ever decompress) and the first bytes of each XML part, so a hostile file is
refused in milliseconds with a 4xx Problem instead of a hang, a 500 or a memory blow-up.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from opendata import errors

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and password-protected OOXML
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_PARTS = 10_000
PROLOG_LIMIT = 1 << 20  # a DTD must come before the root element; look no further than 1 MiB
SMALL_PART = 1 << 20  # tiny parts compress extremely well without being bombs


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_cells: int
    max_unzipped: int
    max_ratio: int

    @classmethod
    def from_settings(cls, settings: dict, *, web: bool = False) -> Limits:
        """The limits of the CLI, or with `web` those of a request (fewer cells)."""
        return cls(
            max_bytes=int(settings["CHECK_MAX_UPLOAD_BYTES"]),
            max_cells=int(settings["CHECK_MAX_WEB_CELLS" if web else "CHECK_MAX_CELLS"]),
            max_unzipped=int(settings["CHECK_MAX_UNZIPPED_BYTES"]),
            max_ratio=int(settings["CHECK_MAX_ZIP_RATIO"]),
        )


def sniff_kind(head: bytes, filename: str) -> str:
    """'xlsx', 'csv' or 'tsv' from the first bytes and the name; anything else is a 4xx."""
    lowered = filename.lower()
    if lowered.endswith((".xlsm", ".xltm", ".xlam")):
        raise errors.MacroFile(
            f"{filename} is a macro-enabled workbook; save it as .xlsx (without macros) and try again",
            parameter="file",
        )
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in head or lowered.endswith(".xlsx"):
            raise errors.EncryptedFile(
                f"{filename} is password-protected (or an old .xls); remove the password "
                "and save it as .xlsx",
                parameter="file",
            )
        raise errors.UnsupportedFile(
            f"{filename} is an old Excel 97-2003 (.xls) file; save it as .xlsx", parameter="file"
        )
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if lowered.endswith(".xlsx"):
        raise errors.CorruptFile(f"{filename} is not a valid .xlsx (no zip signature)", parameter="file")
    if lowered.endswith((".csv", ".tsv", ".txt")):
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise errors.UnsupportedFile(f"{filename} is binary, not a text CSV", parameter="file")
        return "tsv" if lowered.endswith(".tsv") else "csv"
    raise errors.UnsupportedFile(
        f"{filename}: only .xlsx, .csv and .tsv files can be checked", parameter="file"
    )


def inspect_zip(archive: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    """Refuse bombs, macros and DTDs by the zip's directory and the parts' prologs."""
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise errors.UnsafeFile(f"{filename} has {len(infos)} parts; refused", parameter="file")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_PART and ratio > limits.max_ratio:
            raise errors.UnsafeFile(
                f"{filename}: part {info.filename} expands {ratio:.0f}-fold (limit {limits.max_ratio}); "
                "refused as a possible zip bomb",
                parameter="file",
            )
        if info.flag_bits & 0x1:
            raise errors.EncryptedFile(f"{filename} has encrypted parts", parameter="file")
    if total > limits.max_unzipped:
        raise errors.UnsafeFile(
            f"{filename} would unzip to {total:,} bytes (limit {limits.max_unzipped:,}); refused",
            parameter="file",
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise errors.UnsupportedFile(f"{filename} is a zip file but not an Excel workbook", parameter="file")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or _declares_macros(archive):
        raise errors.MacroFile(
            f"{filename} contains macros (vbaProject); save it as .xlsx without macros", parameter="file"
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            _refuse_dtd(archive, info, filename)


def _declares_macros(archive: zipfile.ZipFile) -> bool:
    with archive.open("[Content_Types].xml") as part:
        head = part.read(PROLOG_LIMIT)
    return b"macroEnabled" in head


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _refuse_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str) -> None:
    """Entities (billion laughs, external files) need a DOCTYPE in the prolog; none is allowed."""
    with archive.open(info) as part:
        head = _read_prolog(part)
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[: root.start()]
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise errors.UnsafeFile(
            f"{filename}: part {info.filename} declares a DTD or entities; refused", parameter="file"
        )


def _read_prolog(part: IO[bytes]) -> bytes:
    head = b""
    while len(head) < PROLOG_LIMIT:
        chunk = part.read(65536)
        if not chunk:
            break
        head += chunk
        if _ROOT_START.search(head):
            break
    return head
