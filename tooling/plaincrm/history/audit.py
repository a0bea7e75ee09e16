"""The audit trail: every record's history from git, in words, and the latest changes across records.

Read in one pass over the log (see `gitlog`), described by `changes.ChangeWords` as language-neutral
changes (worded when shown: one cache serves every language), and kept in `.cache/` under the commit it was read at: the next build reads only the commits made
since (none: it costs a file read), and a history of 10,000 records is described on every core.
The cache also names what else decides it: the engine and schema (`Project.fingerprint`) and
the clone's shallow boundary, so `git fetch --unshallow` reads the whole history again.
"""

from __future__ import annotations

import logging
import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..gcpause import gc_paused
from ..loading import parse_text
from ..parallel import map_chunks
from ..problems import ProblemError
from ..project import Project
from .blocks import Unsure, changed_parts
from .changes import ENGLISH, WORDS, Change, ChangeWords
from .gitlog import (
    NULL_BLOB,
    Commit,
    GitError,
    git,
    head,
    is_repository,
    read_blobs,
    read_log,
    resolve,
    shallow_boundary,
)

log = logging.getLogger("plaincrm.history")

CACHE_VERSION = 3
DESCRIBE_SECONDS = 5e-5  # per changed file, as `parallel` counts it: forking was measured to pay from ~2,000
SHALLOW_NOTE = WORDS["shallow"][0]


@dataclass(frozen=True)
class Entry:
    """One commit's change to one record."""

    sha: str
    date: str  # ISO 8601
    author: str
    subject: str
    pull_request: int | None
    changes: tuple[Change, ...]  # field by field, language-neutral
    path: str  # the record's file after the commit
    words: ChangeWords = field(default=ENGLISH, compare=False, repr=False)  # what `lines` says them with

    @property
    def day(self) -> str:
        return self.date[:10]

    @property
    def lines(self) -> tuple[str, ...]:
        """The change in words, a line per field."""
        return self.words.lines(self.changes)

    def in_words(self, words: ChangeWords) -> Entry:
        """This entry said by `words` (a language, the schema's labels, the team's names)."""
        return replace(self, words=words)

    def as_tuple(self) -> tuple:
        return (self.sha, self.date, self.author, self.subject, self.pull_request, self.changes, self.path)


@dataclass
class History:
    """Per record file (by its current path): entries newest first; plus the latest changes overall."""

    head: str | None
    records: dict[str, list[Entry]]
    recent: list[Entry]  # newest first, across records (deleted ones too)
    partial: bool = False  # a shallow clone: the oldest entries are not creations
    reason: str = ""  # why there is no or only a partial history: a key of `changes.WORDS`
    source: tuple = field(default=(), compare=False, repr=False)  # what it was read from (`read_history`'s `before`)

    def of_file(self, path: str) -> Sequence[Entry]:
        """The record's entries, newest first: the same list object for as long as they stay the same
        (`read_history`'s `before`), so a rebuild can key a page by it without comparing its entries."""
        return self.records.get(path, _NO_ENTRIES)

    @property
    def message(self) -> str:
        return self.said(ENGLISH)

    def said(self, words: ChangeWords) -> str:
        """Why there is no or only a partial history, in `words`' language ("" when complete)."""
        return words.word(self.reason) if self.reason else ""


RECENT = 100
_NO_ENTRIES: tuple[Entry, ...] = ()  # every record without history (`History.of_file`)


def read_history(
    project: Project,
    *,
    use_cache: bool = True,
    jobs: int | None = None,
    revision: str | None = None,
    before: History | None = None,
) -> History:
    """The history of every record under the customers folder, from the commit checked out
    (or `revision`). Paths are relative to the project, which may be a folder of a larger repository.
    `before`, the history a long-running caller (`mkdocs serve`) read last, is returned as it is when it
    was read from the same commit, schema and clone; after new commits, each record whose entries are
    unchanged keeps its list object from it (`History.of_file`)."""
    root = project.root
    if not is_repository(root):
        return History(None, {}, [], reason="no_repository")
    tip = resolve(root, revision) if revision else head(root)
    if tip is None:
        return History(None, {}, [], reason="no_commits")
    use_cache = use_cache and revision is None
    prefix = git(root, "rev-parse", "--show-prefix").decode().strip()
    folder = prefix + project.relative(project.customers_dir)
    boundary = shallow_boundary(root)
    cache = _cache_file(project)
    key = {"fingerprint": project.fingerprint, "shallow": sorted(boundary)}
    source = (tip, str(root), folder, project.fingerprint, tuple(sorted(boundary)))
    if before is not None and before.source == source:
        return before  # an edit to the working tree changes no commit: the same history, the same objects
    state = _load_state(cache, key) if use_cache else None
    if state is not None and state["head"] == tip:
        return _history(state, boundary, source, before)
    since = None
    if state is not None and _is_ancestor(root, state["head"], tip):
        since = state["head"]
    else:
        state = {"head": None, **key, "lineage": {}, "entries": {}, "recent": []}
    commits = read_log(root, paths=[folder], since=since, revision=tip)
    with gc_paused():  # a million small tuples and no cycle: the collector's passes grew with the history
        _describe(project, commits, state, boundary, jobs, folder, prefix)
        state["head"] = tip
        if use_cache:
            _save_state(cache, state)
        return _history(state, boundary, source, before)


# --- describing the commits -------------------------------------------------------------


def _describe(
    project: Project, commits: list[Commit], state: dict, boundary: set[str], jobs: int | None, folder: str, prefix: str
) -> None:
    """Follow each record through the commits, oldest first (renames keep a record's lineage)."""
    folder += "/"
    work = []  # (commit, change) pairs that touch a record, paths made relative to the project
    for commit in reversed(commits):
        for change in commit.changes:
            if _is_record(change.path, folder) or _is_record(change.old_path, folder):
                if prefix:
                    change = replace(change, path=change.path[len(prefix) :], old_path=change.old_path[len(prefix) :])
                work.append((commit, change))
    described = _changes_for(project, [(c.old_blob, c.new_blob, c.status) for _, c in work], jobs)
    lineage: dict[str, str] = state["lineage"]  # current path -> lineage key (the path it was first seen at)
    entries: dict[str, list[tuple]] = state["entries"]  # lineage key -> entries, oldest first
    recent: list[tuple] = state["recent"]
    for (commit, change), found in zip(work, described):
        if commit.sha in boundary and change.status == "A":
            found = (("shallow",),)
        if change.status in "RC" and change.old_path != change.path:
            key = lineage.pop(change.old_path, change.old_path) if change.status == "R" else change.path
            lineage[change.path] = key
            moved = ("file", "renamed" if change.status == "R" else "copied", change.old_path, change.path)
            found = (moved, *found)
        elif change.status == "D":
            key = lineage.pop(change.path, change.path)
        else:
            key = lineage.setdefault(change.path, change.path)
        if not found:
            continue  # only formatting or comments changed: nothing to say
        entry = Entry(
            commit.sha, commit.date, commit.author, commit.subject, commit.pull_request, tuple(found), change.path
        )
        entries.setdefault(key, []).append(entry.as_tuple())
        recent.append(entry.as_tuple())
    del recent[:-RECENT]


def _is_record(path: str, folder: str) -> bool:
    return path.startswith(folder) and path.endswith(".yaml")


def _changes_for(project: Project, pairs: list[tuple[str, str, str]], jobs: int | None) -> list[tuple[Change, ...]]:
    """The changes for each (old blob, new blob, status), on every core when there are many."""
    if not pairs:
        return []
    blobs = read_blobs(project.root, [b for old, new, _ in pairs for b in (old, new)], project.limits.max_file_bytes)
    words, limits = ChangeWords(project.customer_models, project.settings.mask_fields), project.limits
    memo: dict[str, object] = {}  # piece of YAML text -> parsed (see `blocks`); each worker fills its own copy

    def describe_chunk(chunk: list[tuple[str, str, str]]) -> list[tuple[Change, ...]]:
        return [_describe_pair(words, blobs, limits, memo, *pair) for pair in chunk]

    return list(map_chunks(describe_chunk, pairs, seconds_each=DESCRIBE_SECONDS, jobs=jobs))


def _describe_pair(
    words: ChangeWords, blobs: dict[str, bytes], limits, memo: dict, old_blob: str, new_blob: str, status: str
) -> tuple[Change, ...]:
    if status == "D" or new_blob == NULL_BLOB:
        return (("deleted",),)
    if status == "A" or old_blob == NULL_BLOB:
        return (("created",),)
    if _too_large(blobs, new_blob, limits):
        return (("too_large", limits.max_file_bytes),)
    if _too_large(blobs, old_blob, limits):
        return (("before_too_large",),)
    try:
        old_text, new_text = blobs[old_blob].decode("utf-8"), blobs[new_blob].decode("utf-8")
        return tuple(words.changes(*changed_parts(old_text, new_text, memo)))
    except (Unsure, UnicodeDecodeError, KeyError):
        pass  # read the whole files, as strictly as `crm validate` does
    old, new = _whole(blobs, old_blob, limits), _whole(blobs, new_blob, limits)
    if isinstance(new, _Unreadable):
        return (("unreadable", *new.why),)
    if isinstance(old, _Unreadable):
        return (("before_unreadable",),)
    return tuple(words.changes(old, new))


def _too_large(blobs: dict[str, bytes], blob: str, limits) -> bool:
    """Over the limit `crm validate` reads files with: never parsed (`read_blobs` kept only its start)."""
    return len(blobs.get(blob, b"")) > limits.max_file_bytes


def _whole(blobs: dict[str, bytes], blob: str, limits) -> dict | _Unreadable:
    try:
        return parse_text(blobs[blob].decode("utf-8"), "", limits).data
    except (ProblemError, UnicodeDecodeError, KeyError) as error:
        return _Unreadable(error)


class _Unreadable:
    """Why a version could not be read: (key of `changes.WORDS`, line, message)."""

    def __init__(self, error: Exception):
        if isinstance(error, ProblemError) and error.problems:
            problem = error.problems[0]
            self.why: tuple = ("line", problem.line, problem.message)
        else:
            self.why = ("not_utf8" if isinstance(error, UnicodeDecodeError) else "missing", None, None)


# --- the cache ---------------------------------------------------------------------------


def _cache_file(project: Project) -> Path:
    return project.root / ".cache" / "plaincrm" / "history.marshal"


def _load_state(path: Path, key: dict) -> dict | None:
    """The cached state, if it was read under `key` (engine, schema, shallow boundary)."""
    try:
        state = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(state, dict) or state.get("version") != CACHE_VERSION:
        return None
    return state if all(state.get(name) == value for name, value in key.items()) else None


def _save_state(path: Path, state: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps({**state, "version": CACHE_VERSION}))
        os.replace(temporary, path)
    except OSError as error:
        log.warning(f"plaincrm: history cache not written: {error}")


def _is_ancestor(root: Path, older: str | None, newer: str) -> bool:
    if not older:
        return False
    try:
        git(root, "merge-base", "--is-ancestor", older, newer)
        return True
    except GitError:
        return False


def _newest_first(entries: list[tuple]) -> list[tuple]:
    """Commits newest first; one commit's files stay in path order."""
    runs: list[list[tuple]] = []
    for entry in entries:
        if runs and runs[-1][0][0] == entry[0]:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return [entry for run in reversed(runs) for entry in run]


def _history(state: dict, boundary: set[str], source: tuple, before: History | None) -> History:
    by_path = {path: state["entries"].get(key, []) for path, key in state["lineage"].items()}
    kept = before.records if before is not None else {}
    records = {}
    for path, items in by_path.items():
        old = kept.get(path)
        if old is not None and len(old) == len(items) and all(e.as_tuple() == t for e, t in zip(old, reversed(items))):
            records[path] = old  # the same entries: the same list (pages keyed by it are not made again)
        else:
            records[path] = [Entry(*e) for e in reversed(items)]
    recent = [Entry(*e) for e in _newest_first(state["recent"])]
    partial = bool(boundary)
    return History(state["head"], records, recent, partial, "partial" if partial else "", source)
