"""Remember file checks by content, so an unchanged repository re-validates in a blink.

An entry is keyed by the file's path and the hash of the very bytes that were checked,
under a key covering everything else a check depends on: the engine and the schema
(`Project.fingerprint`, which includes schema/settings.yaml, so id template, phone region
and option lists), the limits the file was read with, and the libraries that parse
(PyYAML, libyaml) and judge phone numbers (phonenumbers). A changed file, a renamed file,
a changed model or setting is always checked again. Cross-record rules are not cached;
they are cheap and always run. Entries are stored as plain tuples with `marshal`, which
loads 10,000 of them several times faster than pickled objects.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import marshal
import os
import tempfile
from pathlib import Path

import yaml

from .loading import WITH_LIBYAML, read_bounded
from .problems import FileCheck, Problem, ProblemError
from .project import Project

CACHE_DIR = Path(".cache") / "plaincrm"


def _pack(check: FileCheck) -> tuple:
    return (tuple(tuple(p.__dict__.values()) for p in check.problems), check.id, tuple(check.references))


def _unpack(file: str, packed: tuple, digest: str) -> FileCheck:
    problems, record_id, references = packed
    return FileCheck(file, [Problem(*p) for p in problems], record_id, list(references), digest=digest)


def content_digest(data: bytes) -> str:
    """The hash a file's bytes are known by in the caches."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path, max_bytes: int) -> str:
    """The hash of a file's bytes ("" when it is not a readable regular file within `max_bytes`:
    such a file is never answered from a cache, its check says why)."""
    try:
        return content_digest(read_bounded(path, "", max_bytes))
    except ProblemError:
        return ""


def _version(*distributions: str) -> str:
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return ""


def check_key(project: Project) -> str:
    """What, besides a file's bytes and path, decides its check."""
    inputs = (
        project.fingerprint,
        repr(project.limits),
        yaml.__version__,
        str(WITH_LIBYAML),
        _version("phonenumberslite", "phonenumbers"),
    )
    return hashlib.sha256("\0".join(inputs).encode()).hexdigest()[:20]


class CheckCache:
    def __init__(self, project: Project):
        self.project = project
        self.folder = project.root / CACHE_DIR
        self.path = self.folder / f"checks-{check_key(project)}.marshal"
        self._digests: dict[str, str] = {}
        self._entries: dict | None = None

    def _load(self) -> dict:
        if self._entries is None:
            try:
                with open(self.path, "rb") as handle:
                    self._entries = marshal.loads(
                        handle.read()
                    )  # marshal.load(handle) reads in small pieces: 5x slower
                if not isinstance(self._entries, dict):
                    self._entries = {}
            except (OSError, EOFError, ValueError, TypeError):
                self._entries = {}
        return self._entries

    def digest(self, path: Path) -> str:
        key = str(path)
        digest = self._digests.get(key)
        if digest is None:
            digest = self._digests[key] = file_digest(path, self.project.limits.max_file_bytes)
        return digest

    def lookup(self, paths: list[Path]) -> tuple[list[FileCheck | None], list[int]]:
        """Cached checks in `paths` order (None where not cached) and the indexes to check."""
        entries = self._load()
        found: list[FileCheck | None] = []
        missing = []
        for index, path in enumerate(paths):
            file = self.project.relative(path)
            digest = self.digest(path)
            packed = entries.get((file, digest))
            found.append(_unpack(file, packed, digest) if packed is not None else None)
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

    def store(self, checks: list[FileCheck], team_digest: str, team_problems: list[Problem], handles: set[str]) -> None:
        """Keep each check under the digest of the bytes it judged (`FileCheck.digest`, the
        team file's `team_digest`), never under a hash taken at another moment: a file edited
        while it was being checked must not lend its result to its old content."""
        entries = {}
        for check in checks:
            if check.digest:
                entries[(check.file, check.digest)] = _pack(check)
        if team_digest:
            entries[("team", team_digest)] = (
                tuple(tuple(p.__dict__.values()) for p in team_problems),
                tuple(sorted(handles)),
            )
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
