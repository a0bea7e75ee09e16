"""The sales funnel (销售漏斗, field guide C): customers per follow-up stage, how many of those in a stage
move on to a later one, and how long a stage takes.

The stages are the option list `stage` in its order up to `won`; the values after `won` are ways out of
the funnel (无互动: a customer who stopped answering is neither behind nor ahead of anyone). When a
customer entered a stage comes from git, the audit trail: `history.audit` says, commit by commit, how the
record's `stage` changed. Nothing dated after "today" counts: a change after it is undone, so a `--today`
in the past sees the stages as they were. Without a whole history (not a git repository, no commit yet, a
shallow clone, records git does not hold) the report says so and shows only the counts.

`reports` lists this report among the others (it imports this module, so the kinds of columns are
written here as `reports` spells them: a test keeps them equal).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .contract import get
from .history.audit import Entry, History, read_history
from .history.gitlog import GitError, git, read_blobs
from .loading import parse_text
from .modelkit import OptionRef, marker
from .problems import ProblemError
from .views import Views

FIELD = "stage"
WON = "won"  # the funnel's last stage: the option values after it are ways out
PERIOD_DAYS = 365  # conversions and times in stage: the last 12 months up to today

# The column kinds of `reports` (reports.SHARE, reports.PHRASE; "option:LIST" for a list's values).
SHARE, PHRASE, OPTION = "share", "phrase", "option:"

# Why the report shows only the counts (a history reason of `History.reason`, or this module's own),
# each said in English here and in Chinese by the site's word table (`word.<English>`).
NOTES = {
    "no_repository": "Not a git repository: no dates of stage changes, so only the counts.",
    "no_commits": "No commits yet: no dates of stage changes, so only the counts.",
    "partial": "A shallow clone: the history is partial (fetch with fetch-depth: 0), so only the counts.",
    "untracked": "These records have no git history (not committed yet, or read as of a revision): only the counts.",
    "unreadable": "The git history could not be read: only the counts.",
}


_SAME = object()  # the record's file is as committed


@dataclass(frozen=True)
class Stay:
    """A customer's time in one stage (None: no stage): from `entered` (None: before its history
    begins) up to `left` (None: still in it on today)."""

    stage: str | None
    entered: date | None
    left: date | None


@dataclass(frozen=True)
class StageFigures:
    stage: str
    customers: int  # in the stage on today
    in_period: int  # customers in the stage at some time in the period
    moved_on: int | None  # of them, those who reached a later stage by today (None: no later stage)
    stays_ended: int  # stays in the stage that ended in the period…
    median_days: float | None  # …and their median length in days

    @property
    def conversion(self) -> float | None:
        if self.moved_on is None or not self.in_period:
            return None
        return round(self.moved_on / self.in_period, 4)


@dataclass(frozen=True)
class Funnel:
    today: date
    start: date  # the period is the days after `start` up to today
    stages: tuple[StageFigures, ...]  # in the option list's order
    note: str = ""  # a key of NOTES when there is no whole history: then only the counts are figures


def stage_events(
    entries: Sequence[Entry], current: str | None, committed: Any = _SAME
) -> list[tuple[date | None, str | None]]:
    """The record's stage over time from its history (newest first, as `History.of_file` gives it): (day it
    was set, value), oldest first. A creation holds the value the first later change started from, or, with
    none, the one last committed (`committed`, when the file differs from it; else the record's own); a
    history without its creation starts with an undated value."""
    events: list[list[Any]] = []
    open_creation = None  # the creation whose value a later change tells
    for entry in reversed(entries):
        day = date.fromisoformat(entry.day)
        for change in entry.changes:
            kind = change[0]
            if kind == "created":
                events.append([day, current if committed is _SAME else committed])
                open_creation = len(events) - 1
            elif kind in ("set", "changed", "removed") and tuple(change[1]) == (FIELD,):
                old = None if kind == "set" else change[2]
                new = None if kind == "removed" else change[2] if kind == "set" else change[3]
                if open_creation is not None:
                    events[open_creation][1] = old
                    open_creation = None
                elif not events:
                    events.append([None, old])
                events.append([day, new])
    return [(day, value) for day, value in events]


def stage_on(events: list[tuple[date | None, str | None]], current: str | None, today: date) -> str | None:
    """The stage on `today`: the record's, unless the history changed it after today (then the value before
    that change; a record first committed after today had the value it was committed with)."""
    later = next((i for i, (day, _) in enumerate(events) if day is not None and day > today), None)
    if later is None:
        return current
    return events[later - 1][1] if later > 0 else events[0][1]


def stays(events: list[tuple[date | None, str | None]], current: str | None, today: date) -> list[Stay]:
    """The stays the events up to `today` make, oldest first; the record's own value, when it differs from
    the history's last (a change not committed yet), as a stay from today."""
    known = [(day, value) for day, value in events if day is None or day <= today]
    if known and len(known) == len(events) and known[-1][1] != current:
        known.append((today, current))
    out = []
    for index, (day, value) in enumerate(known):
        left = known[index + 1][0] if index + 1 < len(known) else None
        out.append(Stay(value, day, left))
    return out


def in_period(stay: Stay, start: date, today: date) -> bool:
    """Whether the customer was in the stay's stage some day after `start` up to today (a stay known by
    no date is not)."""
    if stay.entered is None and stay.left is None:
        return False
    return (stay.entered is None or stay.entered <= today) and (stay.left is None or stay.left > start)


def funnel(views: Views) -> Funnel:
    """The funnel's figures for `views.today`."""
    today = views.today
    start = today - timedelta(days=PERIOD_DAYS)
    values = stage_list(views.dataset.project)[1]
    path = values[: values.index(WON) + 1] if WON in values else values
    rank = {stage: place for place, stage in enumerate(path)}
    history, note = _history(views)
    committed = views.memo("funnel_committed", lambda: committed_stages(views, history)) if not note else {}
    counts = dict.fromkeys(values, 0)
    cohort: dict[str, set[str]] = {stage: set() for stage in values}
    moved: dict[str, set[str]] = {stage: set() for stage in values}
    days: dict[str, list[int]] = {stage: [] for stage in values}
    for view in views.customers.values():
        current = get(view.model, FIELD)
        entries = history.of_file(view.file) if history is not None else []
        events = stage_events(entries, current, committed.get(view.file, _SAME))
        now = stage_on(events, current, today)
        if now in counts:
            counts[now] += 1
        if note:
            continue
        timeline = stays(events, current, today)
        for index, stay in enumerate(timeline):
            if stay.stage not in counts:
                continue  # no stage, or a value the option list no longer has
            if stay.entered is not None and stay.left is not None and start < stay.left <= today:
                days[stay.stage].append((stay.left - stay.entered).days)
            if not in_period(stay, start, today):
                continue
            cohort[stay.stage].add(view.id)
            here = rank.get(stay.stage)
            if here is not None and any(rank.get(s.stage or "", -1) > here for s in timeline[index + 1 :]):
                moved[stay.stage].add(view.id)
    figures = tuple(
        StageFigures(
            stage,
            counts[stage],
            len(cohort[stage]),
            len(moved[stage]) if stage in rank and rank[stage] < len(path) - 1 else None,
            len(days[stage]),
            statistics.median(days[stage]) if days[stage] else None,
        )
        for stage in values
    )
    return Funnel(today, start, figures, note)


def stage_list(project: Any) -> tuple[str, tuple[str, ...]]:
    """The option list the models' `stage` field draws from: its name, and its values in their order."""
    for model in project.customer_models.values():
        info = model.model_fields.get(FIELD)
        option = marker(info, OptionRef) if info is not None else None
        if option is not None and option.name in project.options:
            return option.name, project.options[option.name].values
    return FIELD, ()


def _history(views: Views) -> tuple[History | None, str]:
    """The audit trail the views were made with, or read now (`crm report` reads none); and why there is
    no whole one ("" when there is)."""
    history = views.history
    if history is None:
        try:
            history = views.memo("funnel_history", lambda: read_history(views.dataset.project))
        except GitError:
            return None, "unreadable"
    if history.reason:
        return history, history.reason if history.reason in NOTES else "unreadable"
    if views.customers and not any(history.of_file(view.file) for view in views.customers.values()):
        return history, "untracked"
    return history, ""


def committed_stages(views: Views, history: History | None) -> dict[str, str | None]:
    """The stage each record file changed since the history's commit holds there (`git diff`: a change not
    committed yet), so that the change counts from today, not from the record's creation."""
    project = views.dataset.project
    if history is None or not history.head:
        return {}
    root, folder = project.root, project.relative(project.customers_dir)
    try:
        listed = git(root, "diff", "--name-only", "-z", "--relative", history.head, "--", folder)
    except GitError:
        return {}
    changed = set(listed.decode("utf-8", errors="replace").split("\0"))
    files = [view.file for view in views.customers.values() if view.file in changed]
    limit = project.limits.max_file_bytes
    try:  # one `cat-file --batch`, each read no further than the size limit
        blobs = read_blobs(root, [f"{history.head}:./{file}" for file in files], limit)
    except GitError:
        return {}
    out: dict[str, str | None] = {}
    for file in files:
        text = blobs.get(f"{history.head}:./{file}")
        if text is None or len(text) > limit:
            continue  # new since that commit, or too large there: the record's own value stands
        try:
            data = parse_text(text.decode("utf-8"), file, project.limits).data
        except (ProblemError, UnicodeDecodeError):
            continue
        value = data.get(FIELD) if isinstance(data, dict) else None
        out[file] = value if isinstance(value, str) else None
    return out


def funnel_tables(views: Views) -> list[dict[str, Any]]:
    """The funnel as `reports.Table` fields: the customers per stage (a bar chart), and the conversions and
    times in stage over the last 12 months, or, without a whole history, why there are only the counts."""
    found = funnel(views)
    stage = OPTION + stage_list(views.dataset.project)[0]
    staged = sum(f.customers for f in found.stages)
    tables: list[dict[str, Any]] = [
        {
            "title": "stages",
            "headers": ["stage", "customers", "share"],
            "rows": [[f.stage, f.customers, round(f.customers / staged, 4) if staged else 0.0] for f in found.stages],
            "chart": "bar",
            "kinds": (stage, "", SHARE),
        }
    ]
    if found.note:
        tables.append({"title": "history", "headers": ["note"], "rows": [[NOTES[found.note]]], "kinds": (PHRASE,)})
        return tables
    tables.append(
        {
            "title": "conversion",
            "headers": [
                "stage",
                "customers in the stage",
                "reached a later stage",
                "conversion",
                "stays ended",
                "median days in stage",
            ],
            "rows": [
                [f.stage, f.in_period, f.moved_on, f.conversion, f.stays_ended, f.median_days] for f in found.stages
            ],
            "kinds": (stage, "", "", SHARE),
        }
    )
    return tables
