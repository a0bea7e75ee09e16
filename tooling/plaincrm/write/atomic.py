"""Put files on disk so that a crash or a clash never loses data."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

if sys.platform != "win32":  # Windows has no advisory locks; the expect-check still runs there
    import fcntl


@contextlib.contextmanager
def locked(folder: Path):
    """Hold an exclusive lock on `folder` while a file in it is checked and put in place, so that two
    writers (two `crm log`, a log during an import) cannot both pass the check before either renames.
    The folder itself is locked: no lock file is left among the records."""
    if sys.platform == "win32":  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def create_new_file(path: Path, text: str) -> None:
    """Write `text` to `path`, which must not exist yet; atomic (a reader sees all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with locked(path.parent):
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
        with locked(path.parent):
            if expect is not None and path.read_bytes() != expect:
                raise FileChanged(str(path))
            os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class Batch:
    """Many files put in place with one flush to disk, for bulk writes (an import).

    Each file is written beside its place first; `commit` syncs them all at once and then puts each
    in place, so a crash still leaves every file old or new, never half, as above. One fsync per
    file costs the disk a round trip each: at 10,000 records that was half of an import.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, str, bytes | None, bool]] = []  # (path, temporary file, expected, new)

    def create(self, path: Path, text: str) -> None:
        """`path` must not exist when the batch is committed (as `create_new_file`)."""
        self._stage(path, text.encode("utf-8"), None, True)

    def replace(self, path: Path, data: bytes, *, expect: bytes | None = None) -> None:
        """`path` must still hold `expect` when the batch is committed (as `write_atomically`)."""
        self._stage(path, data, expect, False)

    def _stage(self, path: Path, data: bytes, expect: bytes | None, new: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            os.unlink(tmp)
            raise
        self._staged.append((path, tmp, expect, new))

    def commit(self) -> list[Exception | None]:
        """Flush every staged file, then put each in place; per file, None or the FileExistsError /
        FileChanged that kept it out (the others are written all the same)."""
        os.sync()  # waits until every staged file is on disk
        results: list[Exception | None] = []
        for path, tmp, expect, new in self._staged:
            try:
                with locked(path.parent):
                    if new:
                        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
                    elif expect is not None and path.read_bytes() != expect:
                        raise FileChanged(str(path))
                    else:
                        os.replace(tmp, path)
                results.append(None)
            except (FileExistsError, FileChanged) as error:
                results.append(error)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        self._staged = []
        return results
