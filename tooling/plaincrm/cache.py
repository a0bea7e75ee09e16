"""Remember file checks by content, so an unchanged repository re-validates in a blink.

An entry is keyed by the file's path and the hash of its bytes, under a fingerprint of
the engine and the schema: a changed file, a renamed file or a changed model is always
checked again. Cross-record rules are not cached; they are cheap and always run.
Entries are stored as plain tuples with `marshal`, which loads 10,000 of them several
times faster than pickled objects.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path

from .problems import FileCheck, Problem
from .project import Project

CACHE_DIR = Path(".cache") / "plaincrm"


def _pack(check: FileCheck) -> tuple:
    return (tuple(tuple(p.__dict__.values()) for p in check.problems), check.id, tuple(check.references))


def _unpack(file: str, packed: tuple) -> FileCheck:
    problems, record_id, references = packed
    return FileCheck(file, [Problem(*p) for p in problems], record_id, list(references))


def file_digest(path: Path) -> str:
    """The hash a file's cache entries are keyed by ("" when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    except OSError:
        return ""


class CheckCache:
    def __init__(self, project: Project):
        self.project = project
        self.folder = project.root / CACHE_DIR
        self.path = self.folder / f"checks-{project.fingerprint}.marshal"
        self._digests: dict[str, str] = {}
        self._entries: dict | None = None

    def _load(self) -> dict:
        if self._entries is None:
            try:
                with open(self.path, "rb") as handle:
                    self._entries = marshal.loads(handle.read())  # marshal.load(handle) reads in small pieces: 5x slower
                if not isinstance(self._entries, dict):
                    self._entries = {}
            except (OSError, EOFError, ValueError, TypeError):
                self._entries = {}
        return self._entries

    def digest(self, path: Path) -> str:
        key = str(path)
        digest = self._digests.get(key)
        if digest is None:
            digest = self._digests[key] = file_digest(path)
        return digest

    def lookup(self, paths: list[Path]) -> tuple[list[FileCheck | None], list[int]]:
        """Cached checks in `paths` order (None where not cached) and the indexes to check."""
        entries = self._load()
        found: list[FileCheck | None] = []
        missing = []
        for index, path in enumerate(paths):
            file = self.project.relative(path)
            packed = entries.get((file, self.digest(path)))
            found.append(_unpack(file, packed) if packed is not None else None)
            if packed is None:
                missing.append(index)
        return found, missing

    def lookup_team(self):
        """(problems, handles) of the team file when unchanged since it was last checked."""
        packed = self._load().get(("team", self.digest(self.project.team_file)))
        if packed is None:
            return None
        problems, handles = packed
        return [Problem(*p) for p in problems], set(handles)

    def store(self, paths: list[Path], checks: list[FileCheck], team_problems: list[Problem], handles: set[str]) -> None:
        entries = {}
        for path, check in zip(paths, checks):
            digest = self.digest(path)
            if digest:
                entries[(check.file, digest)] = _pack(check)
        team_digest = self.digest(self.project.team_file)
        if team_digest:
            entries[("team", team_digest)] = (tuple(tuple(p.__dict__.values()) for p in team_problems), tuple(sorted(handles)))
        if entries == self._entries:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n")
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(entries))
            os.replace(tmp, self.path)
            for stale in self.folder.glob("checks-*"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time
