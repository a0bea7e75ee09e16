"""Put files on disk so that a crash or a clash never loses data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def create_new_file(path: Path, text: str) -> None:
    """Write `text` to `path`, which must not exist yet; atomic (a reader sees all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
    finally:
        os.unlink(tmp)


class FileChanged(Exception):
    """The file is no longer what the caller read: someone else changed it."""


def write_atomically(path: Path, data: bytes, *, expect: bytes | None = None) -> None:
    """Replace `path` with `data` in one step: a crash leaves the old file or the new one, never half.
    With `expect`, the file must still hold exactly those bytes (else FileChanged, nothing written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if expect is not None and path.read_bytes() != expect:
            raise FileChanged(str(path))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
