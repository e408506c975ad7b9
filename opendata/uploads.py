"""Uploads read into memory within the size limit, never written anywhere (API and web alike).

Werkzeug spools uploads above 500 KB to a temporary file; a checker that promises uploads
are never stored must not let it, so `prepare_upload` (run before the form is parsed)
replaces the request's file stream factory by an in-memory buffer, bounded because the
request itself is capped at the limit.
"""

from __future__ import annotations

import io
from typing import IO

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from opendata import errors

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file itself


def _in_memory(*_args: object, **_kwargs: object) -> IO[bytes]:
    return io.BytesIO()


def _limit() -> int:
    return int(current_app.config["CHECK_MAX_UPLOAD_BYTES"])


def prepare_upload() -> None:
    """Before request: refuse an oversized body by its length, keep the file in memory."""
    if request.method != "POST":
        return
    length = request.content_length
    if length is not None and length > _limit() + MULTIPART_OVERHEAD:
        raise errors.FileTooLarge(
            f"the upload is {length:,} bytes; the limit is {_limit():,}", parameter="file"
        )
    request.max_content_length = _limit() + MULTIPART_OVERHEAD  # also bounds chunked uploads
    request._get_file_stream = _in_memory  # type: ignore[method-assign]


def read_upload(upload: FileStorage | None, field: str = "file") -> tuple[bytes, str]:
    if upload is None or not upload.filename:
        raise errors.InvalidParameter(
            f"{field}: send the spreadsheet as a multipart/form-data part named {field!r}", parameter=field
        )
    data = upload.stream.read(_limit() + 1)
    if len(data) > _limit():
        raise errors.FileTooLarge(f"{upload.filename} is larger than {_limit():,} bytes", parameter=field)
    # Browsers send a base name, but a client may send a path: only the name is ever echoed.
    return data, upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
