"""All records together: checks every file (in parallel, cached by content), then the
rules that span records: unique ids, references to team members and customers, no
head-office cycles.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

from . import consistency
from .access import ALL, cannot_read_own
from .cache import CheckCache, content_digest, file_digest
from .gcpause import gc_paused
from .loading import compose, decode_record, node_position, read_bounded, real_prefix
from .messages import Said, pydantic_said, said
from .parallel import map_chunks
from .problems import FieldPath, FileCheck, Problem, ProblemError, format_field_path
from .project import Project

CHECK_SECONDS = 5e-4  # to read, parse and validate one record (measured: 0.48 ms)


@dataclass
class CheckReport:
    problems: list[Problem]
    files: int
    cached: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class Team:
    members: dict[str, Any]  # handle -> TeamMember model (or the raw mapping when invalid)
    problems: list[Problem]
    digest: str = ""  # hash of the bytes judged, the cache key ("" when they could not be read)


def _unread(project: Project) -> set[str]:
    """Members who read no customer; the team file is read for it even when the cache answers the rest."""
    return cannot_read_own(project.settings.audiences, load_team(project).members)


def load_team(project: Project) -> Team:
    path = project.team_file
    file = project.relative(path)
    if not os.path.lexists(path):
        return Team({}, [Problem.of(file, 1, 1, "", said("team.missing"), "team.missing")])
    try:
        content = read_bounded(path, file, project.limits.max_file_bytes, inside=real_prefix(project.root))
    except ProblemError as error:
        return Team({}, error.problems)
    digest = content_digest(content)
    try:
        raw = decode_record(content, file, project.limits)
    except ProblemError as error:
        return Team({}, error.problems, digest)
    from pydantic import ValidationError

    try:
        team = project.team_adapter.validate_python(raw.data)
        valid = {m.handle: m for m in team.members}
        reserved = [  # `access.ALL` names the site with every customer: a member of that name would read it
            raw.problem(
                ("members", index, "handle"), said("team.reserved-handle", handle=repr(ALL)), "team.reserved-handle"
            )
            for index, m in enumerate(team.members)
            if m.handle == ALL
        ]
        return Team(valid, reserved, digest)
    except ValidationError as error:
        problems = [
            raw.problem(
                tuple(e["loc"]),
                pydantic_said(e, e["msg"].removeprefix("Value error, ")),
                "team." + e["type"],
                at_key=e["type"] == "extra_forbidden",
            )
            for e in error.errors(include_url=False)
        ]
        members = raw.data.get("members")
        handles = (
            {m["handle"]: m for m in members if isinstance(m, dict) and isinstance(m.get("handle"), str)}
            if isinstance(members, list)
            else {}
        )
        return Team(handles, problems, digest)


# --- per-file checks, in parallel --------------------------------------------------


def iter_checks(
    project: Project,
    paths: list[Path],
    *,
    jobs: int | None = None,
    keep_data: bool = False,
    checker=None,
    summary: Callable[[FileCheck], Any] | None = None,
) -> Iterator[Any]:
    """Check files in order, spread over the machine's cores when there are many (see `parallel`).

    Results arrive chunk by chunk, so a caller can work on them while the rest are checked.
    `summary`, applied where the file was checked, sends back only what the caller needs.
    """
    if not paths:
        return
    from .validation import RecordChecker  # pydantic and the models load only when a file needs checking

    checker = checker or RecordChecker(project)  # built before forking, so workers inherit it

    def check_chunk(chunk: list[Path]) -> list[Any]:
        with gc_paused():
            checks = [checker.check_file(p, keep_data=keep_data) for p in chunk]
            return [summary(c) for c in checks] if summary is not None else checks

    yield from map_chunks(check_chunk, paths, seconds_each=CHECK_SECONDS, jobs=jobs)


def check_files(project: Project, paths: list[Path], *, jobs: int | None = None, checker=None) -> list[FileCheck]:
    return list(iter_checks(project, paths, jobs=jobs, checker=checker))


# --- cross-record rules --------------------------------------------------------------


class _Locator:
    """Positions for cross-record problems, composing a file only when one is reported."""

    def __init__(self, project: Project):
        self.project = project
        self.roots: dict[str, Any] = {}

    def problem(self, file: str, where: FieldPath, message: Said, code: str) -> Problem:
        if file not in self.roots:
            try:
                content = read_bounded(self.project.root / file, file, self.project.limits.max_file_bytes)
                self.roots[file] = compose(content.decode("utf-8-sig"))
            except Exception:
                self.roots[file] = None
        line, col = node_position(self.roots[file], where)
        return Problem.of(file, line, col, format_field_path(where), message, code)


def cross_check(
    project: Project, checks: Iterable[FileCheck], team_handles: set[str], unread: Iterable[str] = ()
) -> list[Problem]:
    """The rules across records; `unread`: members who read no customer (`access.cannot_read_own`),
    so owning one would let them edit what they cannot read."""
    checks = list(checks)
    unread = set(unread)
    locate = _Locator(project)
    problems: list[Problem] = []
    by_id: dict[str, FileCheck] = {}
    for check in checks:
        if check.id is None:
            continue
        if check.id in by_id:
            problems.append(
                locate.problem(
                    check.file,
                    ("id",),
                    said("record.duplicate-id", id=repr(check.id), other=by_id[check.id].file),
                    "record.duplicate-id",
                )
            )
        else:
            by_id[check.id] = check
    parents: dict[str, tuple[str, FileCheck]] = {}
    for check in checks:
        for where, target, value in check.references:
            if target == "member" and value not in team_handles:
                problems.append(
                    locate.problem(
                        check.file,
                        where,
                        said("record.unknown-member", value=repr(value), team_file=project.layout.team_file),
                        "record.unknown-member",
                    )
                )
            elif target == "member" and where == ("owner",) and value in unread:
                problems.append(
                    locate.problem(
                        check.file,
                        where,
                        said("record.owner-cannot-read", value=repr(value)),
                        "record.owner-cannot-read",
                    )
                )
            elif target == "customer":
                if value == check.id:
                    problems.append(
                        locate.problem(check.file, where, said("record.self-reference"), "record.self-reference")
                    )
                elif value not in by_id:
                    problems.append(
                        locate.problem(
                            check.file,
                            where,
                            said("record.unknown-customer", value=repr(value)),
                            "record.unknown-customer",
                        )
                    )
                elif where == ("parent",) and check.id is not None:
                    parents[check.id] = (value, check)
    for start, (_, check) in parents.items():
        seen, current = {start}, start
        while current in parents:
            current = parents[current][0]
            if current in seen:
                if current == start:
                    problems.append(
                        locate.problem(
                            check.file,
                            ("parent",),
                            said("record.parent-cycle"),
                            "record.parent-cycle",
                        )
                    )
                break
            seen.add(current)
    return problems


def check_project(
    project: Project,
    *,
    only: list[Path] | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    warnings: bool = False,
    today: date | None = None,
    history: Any = None,
) -> CheckReport:
    """Check every record and the team; report problems in `only` (all when None).

    The guides' consistency rules (`consistency`) run too: those the team made errors always, the
    warnings only when `warnings` asks (`crm validate` shows them); `today` dates the idle rule (default:
    the real today), `history` (an `audit.History`) lets the 24-hour rule see when interactions were added."""
    with gc_paused():
        return _check_project(
            project, only=only, jobs=jobs, use_cache=use_cache, warnings=warnings, today=today, history=history
        )


def _check_project(
    project: Project,
    *,
    only: list[Path] | None,
    jobs: int | None,
    use_cache: bool,
    warnings: bool = False,
    today: date | None = None,
    history: Any = None,
) -> CheckReport:
    paths = project.customer_files()
    extra = [p for p in (only or []) if p.is_file() and p.resolve() not in {q.resolve() for q in paths}]
    paths += extra
    cache = CheckCache(project) if use_cache else None
    found: list[FileCheck | None]
    if cache is not None:
        found, missing = cache.lookup(paths)
    else:
        found, missing = [None] * len(paths), list(range(len(paths)))
    levels = consistency.levels(project.settings)
    ruled = consistency.checker(project, levels) if missing else None  # the record rules, cached with each file
    fresh = iter(
        check_files(project, [paths[i] for i in missing], jobs=jobs, checker=ruled)
    )  # `missing`: where `found` has None
    checks = [check if check is not None else next(fresh) for check in found]
    cached_team = cache.lookup_team() if cache is not None else None
    if cache is None or cached_team is None:
        team = load_team(project)
        team_problems, handles, team_digest = team.problems, set(team.members), team.digest
    else:
        team_problems, handles = cached_team
        team_digest = cache.digest(project.team_file)
    if cache is not None and (missing or cached_team is None):
        cache.store(checks, team_digest, team_problems, handles)
    problems = list(team_problems)
    for check in checks:
        problems.extend(check.problems)
    problems.extend(cross_check(project, checks, handles, _unread(project)))
    invalid = {p.file for p in problems if p.severity == "error" and not consistency.is_consistency(p)}
    problems.extend(consistency.history_problems(project, history, [c.file for c in checks], levels, skip=invalid))
    problems = consistency.settle(problems, today or date.today(), invalid=invalid)
    if not warnings:
        problems = [p for p in problems if p.severity != "warning"]
    wanted = {project.relative(p) for p in only or ()}
    if only is not None and "" not in wanted:  # "" is the repository itself: everything
        problems = [p for p in problems if any(p.file == w or p.file.startswith(w.rstrip("/") + "/") for w in wanted)]
    problems.sort()
    return CheckReport(problems, len(paths), len(paths) - len(missing))


# --- the validated dataset -------------------------------------------------------------


@dataclass
class Dataset:
    """Every customer as a validated model, plus the team: the input of every view."""

    project: Project
    customers: dict[str, Any]  # id -> model, ordered by id
    files: dict[str, str]  # id -> path relative to the repository root
    team: dict[str, Any]  # handle -> TeamMember
    contact_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> hashed phones/e-mails
    merged: dict[str, str] = field(default_factory=dict)  # id of a merged record -> the id it was merged into
    # What `load_dataset` remembered by file content (see its `memo`), and whether it masked: a second load of
    # mostly the same files (the records at an earlier commit, `comparison`) parses only those that differ.
    memo: dict | None = field(default=None, repr=False)
    masked: bool = False

    def inbound(self, field_name: str) -> dict[str, list[str]]:
        """id -> ids of the customers whose `field_name` names it (referrals, branches)."""
        found: dict[str, list[str]] = {}
        for customer_id, customer in self.customers.items():
            target = getattr(customer, field_name, None)
            if target in self.customers:
                found.setdefault(target, []).append(customer_id)
        return found


_STATS = "file stats"  # in a load memo: each file's stat and the digest of the bytes it had then


def _signature(path: str) -> tuple | None:
    """The file's stat as a memo trusts it; None for a file changed in the last 2 seconds: a second save of
    the same size within one tick of the clock would otherwise keep its time (git's "racy" files)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < _RACY_NS:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode)


_RACY_NS = 2_000_000_000


def _memo_keys(project: Project, found: list[tuple[str, str]], memo: dict) -> list[tuple[str, str]]:
    """(file, digest of its bytes) for the memo; a file whose stat (inode, size, change and modification
    times, to the nanosecond) is as it was keeps its digest without being read again: a rebuild after one
    edit reads one file, not 10,000. `found`: `Project.customer_file_names`."""
    before: dict[str, tuple] = memo.get(_STATS, {})
    now: dict[str, tuple] = {}
    keys = []
    for path, file in found:
        signature = _signature(path)
        prior = before.get(file)
        if signature is not None and prior is not None and prior[0] == signature:
            now[file] = prior
            keys.append((file, prior[1]))
            continue
        digest = file_digest(Path(path), project.limits.max_file_bytes)
        now[file] = (signature, digest)
        keys.append((file, digest))
    memo[_STATS] = now
    return keys


def load_dataset(
    project: Project, *, jobs: int | None = None, masked: bool = False, memo: dict | None = None
) -> Dataset:
    """Load and validate everything; raise ProblemError listing every problem if any.

    Worker processes parse (and mask, when asked); this process validates each chunk into
    models as it arrives, so parsing and validating overlap and nothing is validated twice.
    `memo` (kept by a long-running caller such as `mkdocs serve`) remembers each file's
    result by content, so a rebuild after one edit parses one file.
    """
    from pydantic import ValidationError

    from . import matching  # noqa: F401 - workers key contacts with it: phonenumbers and cleanco load once, before the fork
    from .validation import RecordChecker

    checker = RecordChecker(project, validate=False, mask=masked)
    adapter = project.customer_adapter
    found = project.customer_file_names()
    stated: dict[str, tuple] = memo.get(_STATS, {}) if memo else {}  # what the last load knew of each file
    keys = _memo_keys(project, found, memo) if memo else []  # an empty memo has nothing to look up…
    # …but its next use will: each file's stat taken before it is read (a file changed meanwhile is read again)
    signatures = {file: _signature(path) for path, file in found} if memo == {} else {}
    known = memo or {}
    results: dict[str, tuple[FileCheck, Any]] = {key[0]: hit for key in keys if (hit := known.get(key)) is not None}
    todo = [Path(path) for path, file in found if file not in results]
    made = []
    for check in iter_checks(project, todo, jobs=jobs, keep_data=True, checker=checker):
        made.append(check.file)
        model = None
        if check.data is not None:
            try:
                model = adapter.validate_python(check.data)
            except ValidationError as error:
                check.problems.extend(checker.schema_problems(check.file, error, check.data.get("kind")))
            check.data = None  # the model holds it now
        results[check.file] = (check, model)
    if memo is not None and stated:  # the last load's results stand but for the files read again and gone
        for file in chain(made, stated.keys() - results.keys()):
            memo.pop((file, stated.get(file, (None, ""))[1]), None)
        memo.update({(file, results[file][0].digest): results[file] for file in made if results[file][0].digest})
        now = memo[_STATS]
        for file in made:  # stated under the digest it is kept by (the file may have changed while it was read)
            if file in now and now[file][1] != results[file][0].digest:
                now[file] = (None, results[file][0].digest)
    elif memo is not None:  # each result under the digest of the bytes it judged, as in cache.CheckCache.store
        stats = memo.get(_STATS) or {
            file: (signature, results[file][0].digest) for file, signature in signatures.items() if file in results
        }
        memo.clear()
        memo.update({(file, result[0].digest): result for file, result in results.items() if result[0].digest})
        memo[_STATS] = stats
    checks = [check for check, _ in results.values()]
    team = load_team(project)
    problems = list(team.problems)
    for check in checks:
        problems.extend(check.problems)
    enforced = {name: level for name, level in consistency.levels(project.settings).items() if level == "error"}
    if enforced:  # the record rules a team made errors stop a build as any error; warnings are crm validate's
        for check, model in results.values():
            if model is not None and not check.problems:
                problems.extend(consistency.judge_file(project, check.file, model, enforced, (consistency.RECORD,)))
    problems.extend(
        cross_check(project, checks, set(team.members), cannot_read_own(project.settings.audiences, team.members))
    )
    if problems:
        raise ProblemError(sorted(problems))
    from .modelkit import MERGED_FIELD

    # every record has its id once there are no problems (the models require one)
    ordered = sorted(((check.id, check) for check in checks if check.id is not None), key=lambda pair: pair[0])
    merged = {cid: target for cid, check in ordered if (target := getattr(results[check.file][1], MERGED_FIELD, None))}
    ordered = [
        (cid, check) for cid, check in ordered if cid not in merged
    ]  # a merged record is a redirect, not a customer
    customers = {cid: results[check.file][1] for cid, check in ordered}
    files = {cid: check.file for cid, check in ordered}
    contact_keys = {cid: check.contact_keys for cid, check in ordered}
    return Dataset(project, customers, files, team.members, contact_keys, merged, memo, masked)
