"""Reading git: the whole log in one pass, file contents in one batch, trees at a revision.

One `git log --raw` lists every commit with the blobs each file had before and after it,
so no process is started per file or per commit; `git cat-file --batch` then streams
every blob asked for through one process.

Everything in git's output that a user wrote (subjects, bodies, author names, paths) may hold
any byte but NUL, so the output is read NUL-separated and field by field, never cut at a
character a commit message could contain; and a blob is read only up to a size limit.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

NULL_BLOB = "0" * 40
_PR_PATTERNS = (
    re.compile(r"^Merge pull request #(\d+)\b"),  # GitHub merge commits
    re.compile(r"\(#(\d+)\)\s*$"),  # GitHub squash and rebase merges: "Subject (#12)"
    re.compile(r"See merge request [^\s!]*!(\d+)"),  # GitLab (linear: no two unbounded runs in sequence)
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


_FIELDS = ["%H", "%P", "%an", "%ae", "%aI", "%s", "%b"]
_FORMAT = "%x00".join(_FIELDS) + "%x00"  # with -z: each field ends in NUL, the raw entries follow NUL-separated
_SHA = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256


def read_log(
    root: Path, *, paths: Iterable[str] = (), since: str | None = None, revision: str = "HEAD"
) -> list[Commit]:
    """Every commit reachable from `revision` (not from `since`), newest first, with the files it changed
    under `paths` (renames detected). Merge commits are listed, without changes of their own."""
    spec = f"{since}..{revision}" if since else revision
    out = git(root, "log", "--raw", "-M", "--no-abbrev", "-z", "--date-order", f"--format={_FORMAT}", spec, "--")
    wanted = tuple(p.rstrip("/") + "/" for p in paths)
    commits = []
    for fields, changes in _log_entries(out.split(b"\0")):
        sha, parents, author, email, date, subject, body = (f.decode("utf-8", errors="replace") for f in fields)
        commit = Commit(sha, tuple(parents.split()), author, email, date, subject, body.strip())
        commit.changes = [
            c for c in changes if not wanted or c.path.startswith(wanted) or c.old_path.startswith(wanted)
        ]
        commits.append(commit)
    _assign_pull_requests(commits)
    return commits


def _log_entries(tokens: list[bytes]):
    """(the format's fields, the changes) per commit, from `git log -z --raw` split at NUL: each commit
    is its fields (none holds a NUL), an empty token, then per changed file ":modes blobs STATUS" and
    its one or two paths. Read by position, so no subject, name or path can look like a boundary."""
    i, count = 0, len(_FIELDS)
    while i < len(tokens) and tokens[i]:
        fields = tokens[i : i + count]
        if len(fields) < count or not _SHA.fullmatch(fields[0]):
            raise GitError("git log gave output plaincrm cannot read")
        i += count
        while i < len(tokens) and not tokens[i]:
            i += 1  # the empty token between a commit's fields and its files
        changes = []
        while i < len(tokens) and tokens[i].startswith((b":", b"\n:")):
            _, _, old_blob, new_blob, status = tokens[i].lstrip(b"\n")[1:].decode("ascii").split(" ", 4)
            kind = status[:1]
            names = tokens[i + 1 : i + (3 if kind in "RC" else 2)]
            i += 1 + len(names)
            old_path, path = names[0].decode("utf-8", errors="replace"), names[-1].decode("utf-8", errors="replace")
            changes.append(FileChange(kind, path, old_path, old_blob, new_blob))
        yield fields, changes


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


def read_blobs(root: Path, blobs: Iterable[str], max_bytes: int) -> dict[str, bytes]:
    """The contents of many blobs through one `git cat-file --batch`, each read up to `max_bytes + 1`
    bytes (the rest is skipped unread into memory): a longer value means "too large"."""
    wanted = [b for b in dict.fromkeys(blobs) if b and b != NULL_BLOB]
    if not wanted:
        return {}
    try:
        process = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    feeder = threading.Thread(target=_feed, args=(process.stdin, ("\n".join(wanted) + "\n").encode()), daemon=True)
    feeder.start()
    found, out = {}, process.stdout
    assert out is not None  # stdout=PIPE
    with process:
        for blob in wanted:
            header = out.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            size = int(header[2])
            found[blob] = out.read(min(size, max_bytes + 1))
            left = size - len(found[blob]) + 1  # and the newline after the contents
            while left > 0 and (chunk := out.read(min(left, 1 << 20))):
                left -= len(chunk)
        out.read()
    feeder.join()
    if process.returncode != 0:
        raise GitError("git cat-file failed")
    return found


def _feed(pipe, data: bytes) -> None:
    try:
        with pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass  # git stopped early: its exit status says why


def tree_files(root: Path, revision: str, folder: str) -> dict[str, str]:
    """path -> blob of every regular file under `folder` at `revision` (links and submodules left out:
    a committed link would make a reader open whatever it points to)."""
    out = git(root, "ls-tree", "-r", "-z", "--full-tree", revision, "--", folder)
    files = {}
    for entry in out.decode("utf-8", errors="replace").split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob" and mode in ("100644", "100755"):
            files[path] = blob
    return files
