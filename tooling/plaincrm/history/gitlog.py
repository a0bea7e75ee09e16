"""Reading git: the whole log in one pass, file contents in one batch, trees at a revision.

One `git log --raw` lists every commit with the blobs each file had before and after it,
so no process is started per file or per commit; `git cat-file --batch` then streams
every blob asked for through one process.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

NULL_BLOB = "0" * 40
_PR_PATTERNS = (
    re.compile(r"^Merge pull request #(\d+)\b"),  # GitHub merge commits
    re.compile(r"\(#(\d+)\)\s*$"),  # GitHub squash and rebase merges: "Subject (#12)"
    re.compile(r"^Merge branch '.*' into .*\n.*See merge request .*!(\d+)", re.S),  # GitLab
    re.compile(r"See merge request [^\s!]*!(\d+)"),
)


class GitError(Exception):
    """git is missing, the folder is not a repository, or a revision does not exist."""


@dataclass(frozen=True)
class FileChange:
    status: str  # A, M, D, R (renamed), C (copied), T (type changed)
    path: str  # the path after the commit
    old_path: str  # the path before (== path unless renamed)
    old_blob: str  # NULL_BLOB when the file did not exist before
    new_blob: str  # NULL_BLOB when it was deleted


@dataclass
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: str  # ISO 8601 with the author's offset
    subject: str
    body: str
    changes: list[FileChange] = field(default_factory=list)
    pull_request: int | None = None

    @property
    def own_pull_request(self) -> int | None:
        """The pull request the commit's message names, if any."""
        message = self.subject + "\n" + self.body
        for pattern in _PR_PATTERNS:
            match = pattern.search(self.subject) or pattern.search(message)
            if match:
                return int(match.group(1))
        return None


def git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return done.stdout


def is_repository(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except GitError:
        return False


def head(root: Path) -> str | None:
    try:
        return git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip() or None
    except GitError:
        return None


def shallow_boundary(root: Path) -> set[str]:
    """Commits whose parents this clone lacks (empty unless it is a shallow clone)."""
    try:
        shallow = git(root, "rev-parse", "--git-path", "shallow").decode().strip()
    except GitError:
        return set()
    path = Path(shallow) if Path(shallow).is_absolute() else root / shallow
    return set(path.read_text().split()) if path.exists() else set()


def resolve(root: Path, revision: str) -> str:
    """The commit a name (branch, tag, sha, HEAD~2) stands for."""
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"no such revision: {revision}") from None


def commit_before(root: Path, day: str, revision: str = "HEAD") -> str | None:
    """The last commit of `revision`'s main line made on or before the end of `day` (YYYY-MM-DD)."""
    out = git(root, "rev-list", "-1", "--first-parent", f"--before={day} 23:59:59", revision).decode().strip()
    return out or None


_RECORD_SEP, _FIELD_SEP = "\x1e", "\x1f"
_FORMAT = _RECORD_SEP + _FIELD_SEP.join(["%H", "%P", "%an", "%ae", "%aI", "%s", "%b"]) + _FIELD_SEP


def read_log(root: Path, *, paths: Iterable[str] = (), since: str | None = None, revision: str = "HEAD") -> list[Commit]:
    """Every commit reachable from `revision` (not from `since`), newest first, with the files it changed
    under `paths` (renames detected). Merge commits are listed, without changes of their own."""
    spec = f"{since}..{revision}" if since else revision
    out = git(root, "log", "--raw", "-M", "--no-abbrev", "-z", "--date-order", f"--format={_FORMAT}", spec, "--")
    wanted = tuple(p.rstrip("/") + "/" for p in paths)
    commits = []
    for chunk in out.decode("utf-8", errors="replace").split(_RECORD_SEP)[1:]:
        sha, parents, author, email, date, subject, body, raw = chunk.split(_FIELD_SEP, 7)
        commit = Commit(sha, tuple(parents.split()), author, email, date, subject, body.strip())
        commit.changes = [c for c in _raw_changes(raw) if not wanted or c.path.startswith(wanted) or c.old_path.startswith(wanted)]
        commits.append(commit)
    _assign_pull_requests(commits)
    return commits


def _raw_changes(raw: str) -> list[FileChange]:
    """Parse `--raw -z` output: ":old_mode new_mode old new STATUS\\0path\\0[new_path\\0]"."""
    parts = raw.lstrip("\n").split("\0")
    changes, i = [], 0
    while i < len(parts):
        meta = parts[i].strip("\n")
        if not meta.startswith(":"):
            i += 1
            continue
        _, _, old_blob, new_blob, status = meta[1:].split(" ", 4)
        kind = status[:1]
        if kind in "RC":
            old_path, path = parts[i + 1], parts[i + 2]
            i += 3
        else:
            old_path = path = parts[i + 1]
            i += 2
        changes.append(FileChange(kind, path, old_path, old_blob, new_blob))
    return changes


def _assign_pull_requests(commits: list[Commit]) -> None:
    """Each commit gets the pull request its message names, or else the one whose merge brought it
    into the main line (the commits reachable from a merge's second parent, not from its first)."""
    by_sha = {c.sha: c for c in commits}
    for commit in commits:
        commit.pull_request = commit.own_pull_request
    main_line: set[str] = set()
    sha = commits[0].sha if commits else None
    while sha in by_sha:
        main_line.add(sha)
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None
    for merge in commits:  # newest first: a later merge does not claim what an earlier one brought
        if merge.sha not in main_line or len(merge.parents) < 2 or merge.pull_request is None:
            continue
        stack = list(merge.parents[1:])
        while stack:
            current = by_sha.get(stack.pop())
            if current is None or current.sha in main_line or current.pull_request is not None:
                continue
            current.pull_request = merge.pull_request
            stack.extend(current.parents)


def read_blobs(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs through one `git cat-file --batch`."""
    wanted = [b for b in dict.fromkeys(blobs) if b and b != NULL_BLOB]
    if not wanted:
        return {}
    out = git(root, "cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
    found, at = {}, 0
    for blob in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        found[blob] = out[at : at + size]
        at += size + 1
    return found


def tree_files(root: Path, revision: str, folder: str) -> dict[str, str]:
    """path -> blob of every file under `folder` at `revision`."""
    out = git(root, "ls-tree", "-r", "-z", "--full-tree", revision, "--", folder)
    files = {}
    for entry in out.decode("utf-8", errors="replace").split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        _, kind, blob = meta.split()
        if kind == "blob":
            files[path] = blob
    return files
