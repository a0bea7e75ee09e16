"""Remember file checks by content, so an unchanged repository re-validates in a blink.

An entry is keyed by the file's path and the hash of its bytes, under a fingerprint of
the engine and the schema: a changed file, a renamed file or a changed model is always
checked again. Cross-record rules are not cached; they are cheap and always run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from .project import Project
from .validation import FileCheck

CACHE_DIR = Path(".cache") / "plaincrm"


class CheckCache:
    def __init__(self, project: Project):
        self.project = project
        self.folder = project.root / CACHE_DIR
        self.path = self.folder / f"checks-{project.fingerprint}.pickle"
        self._digests: dict[Path, str] = {}

    def _load(self) -> dict[tuple[str, str], FileCheck]:
        try:
            with open(self.path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            return {}

    def _digest(self, path: Path) -> str:
        digest = self._digests.get(path)
        if digest is None:
            try:
                digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            except OSError:
                digest = ""
            self._digests[path] = digest
        return digest

    def lookup(self, paths: list[Path]) -> tuple[list[FileCheck | None], list[int]]:
        """Cached checks in `paths` order (None where not cached) and the indexes to check."""
        entries = self._load()
        found: list[FileCheck | None] = []
        missing = []
        for index, path in enumerate(paths):
            check = entries.get((self.project.relative(path), self._digest(path)))
            found.append(check)
            if check is None:
                missing.append(index)
        return found, missing

    def store(self, paths: list[Path], checks: list[FileCheck]) -> None:
        entries = {}
        for path, check in zip(paths, checks):
            digest = self._digest(path)
            if digest:
                entries[(check.file, digest)] = FileCheck(check.file, check.problems, check.id, check.references)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n")
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            for stale in self.folder.glob("checks-*.pickle"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time
